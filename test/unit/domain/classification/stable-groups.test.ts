import { describe, expect, it } from 'vitest';
import { stablePeerGroupNumbers } from '../../../../domain/classification/stable-groups.ts';

describe('stablePeerGroupNumbers', () => {
  it('gives swapped groups their previous numbers back', () => {
    // Last run: a,b,c in group 1 and d,e in group 2. Now d,e,f grew to the largest group and came out as 1.
    const prev = new Map([['a', 1], ['b', 1], ['c', 1], ['d', 2], ['e', 2]]);
    const now = [
      { customerId: 'd', group: 1 }, { customerId: 'e', group: 1 }, { customerId: 'f', group: 1 },
      { customerId: 'a', group: 2 }, { customerId: 'b', group: 2 }, { customerId: 'c', group: 2 },
    ];
    expect([...stablePeerGroupNumbers(now, prev).entries()].sort()).toEqual([[1, 2], [2, 1]]);
  });

  it('numbers a new group with the smallest free number and leaves a first run as it is', () => {
    const prev = new Map([['a', 2], ['b', 2]]);
    const now = [{ customerId: 'a', group: 1 }, { customerId: 'b', group: 1 }, { customerId: 'x', group: 2 }, { customerId: 'y', group: 3 }];
    expect([...stablePeerGroupNumbers(now, prev).entries()].sort()).toEqual([[1, 2], [2, 1], [3, 3]]);
    expect([...stablePeerGroupNumbers(now, new Map()).entries()].sort()).toEqual([[1, 1], [2, 2], [3, 3]]);
  });

  it('lets a split group keep its number for the larger part only', () => {
    const prev = new Map([['a', 1], ['b', 1], ['c', 1]]);
    const now = [{ customerId: 'a', group: 1 }, { customerId: 'b', group: 2 }, { customerId: 'c', group: 2 }];
    const m = stablePeerGroupNumbers(now, prev);
    expect(m.get(2)).toBe(1);
    expect(m.get(1)).toBe(2);
  });
});
