/**
 * Peer-group numbers come out of each clustering ordered by size, so the same groups can swap numbers between two
 * runs. This keeps numbers stable: each new group takes the previous number most of its members had (largest
 * overlaps first, ties by number), and a group with no predecessor takes the smallest number still free.
 */
export function stablePeerGroupNumbers(
  assignments: readonly { customerId: string; group: number }[],
  previous: ReadonlyMap<string, number>,
): Map<number, number> {
  const overlap = new Map<string, number>();
  const groups = new Set<number>();
  for (const { customerId, group } of assignments) {
    groups.add(group);
    const prev = previous.get(customerId);
    if (prev === undefined) continue;
    const key = `${group}:${prev}`;
    overlap.set(key, (overlap.get(key) ?? 0) + 1);
  }
  const pairs = [...overlap.entries()]
    .map(([k, n]) => {
      const [g, p] = k.split(':').map(Number) as [number, number];
      return { g, p, n };
    })
    .sort((a, b) => b.n - a.n || a.g - b.g || a.p - b.p);
  const mapping = new Map<number, number>();
  const taken = new Set<number>();
  for (const { g, p } of pairs) {
    if (mapping.has(g) || taken.has(p)) continue;
    mapping.set(g, p);
    taken.add(p);
  }
  let next = 1;
  for (const g of [...groups].sort((a, b) => a - b)) {
    if (mapping.has(g)) continue;
    while (taken.has(next)) next++;
    mapping.set(g, next);
    taken.add(next);
  }
  return mapping;
}
