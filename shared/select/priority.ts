import type { PoolView } from './pool-view.ts'

// Spiderpool's ippoolmanager.ByPoolPriority, most specific first: a pool that names the pod
// (podAffinity) before one that names its node, its namespace, its network, or nothing. A
// selector counts as soon as it is set (Go's non-nil pointer, even `{}`); a name list once
// non-empty.
const RULES: readonly ((p: PoolView) => boolean)[] = [
  (p) => p.podAffinity !== undefined,
  (p) => (p.nodeName?.length ?? 0) > 0,
  (p) => p.nodeAffinity !== undefined,
  (p) => (p.namespaceName?.length ?? 0) > 0,
  (p) => p.namespaceAffinity !== undefined,
  (p) => (p.multusName?.length ?? 0) > 0,
]

const rank = (pool: PoolView | undefined): number[] => RULES.map((rule) => (pool && rule(pool) ? 0 : 1))

const compareRanks = (a: readonly number[], b: readonly number[]): number => {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * The order in which Spiderpool tries a NIC's candidate pools of one family: podAffinity first,
 * then nodeName, nodeAffinity, namespaceName, namespaceAffinity, multusName, then the rest.
 * Spiderpool sorts with Go's unstable sort.Sort over a map, so pools of equal rank come in no
 * set order there; here they keep the user's order (a stable sort), which is one of the orders
 * Spiderpool may produce.
 *
 * @example byPoolPriority(['plain', 'zoned'], pools) // ['zoned', 'plain'] when only 'zoned' has nodeAffinity
 */
export const byPoolPriority = (names: readonly string[], pools: ReadonlyMap<string, PoolView>): string[] =>
  names
    .map((name, index) => ({ name, index, rank: rank(pools.get(name)) }))
    .sort((a, b) => compareRanks(a.rank, b.rank) || a.index - b.index)
    .map((entry) => entry.name)
