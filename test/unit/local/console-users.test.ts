import { describe, expect, it } from 'vitest';
import { localPassword } from '../../../local/console-users.ts';

describe('localPassword', () => {
  it('meets the console pool\'s policy every time (cognito-local does not check it, AWS would)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const p = localPassword();
      expect(p.length).toBeGreaterThanOrEqual(12);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
      seen.add(p);
    }
    expect(seen.size).toBe(500);
  });
});
