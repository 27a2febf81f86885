import { parseAllocatedIPs, type SpiderIPPool } from '../api/index.ts'
import { availableRanges, poolFamily } from '../allocate/pool-ranges.ts'
import { formatRanges, intersectRanges, parseIpRanges, rangesContainRanges, unionRanges, UsedIps, type IpRange } from '../ip/index.ts'
import type { Claim } from './claim-registry.ts'

/** Registry key of a pool: its UID, so a pool deleted and made again under its name claims anew. */
export const claimKey = (pool: SpiderIPPool): string => pool.metadata.uid ?? pool.metadata.name

export const generationOf = (pool: SpiderIPPool): number => pool.metadata.generation ?? 0

/**
 * What a pool must own: `ips` − `excludeIPs` (reserved IPs do not change what it may hold), plus
 * any address a record of it holds outside them, so that a claim given up never frees an address
 * still in use. Merged ranges; never expanded.
 */
export const neededRanges = (pool: SpiderIPPool): IpRange[] => {
  const records = Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name))
  return unionRanges(availableRanges(pool, []), UsedIps.from(poolFamily(pool), records).runs)
}

const claimOf = (pool: SpiderIPPool, need = neededRanges(pool)): Claim => ({
  pool: pool.metadata.name,
  generation: generationOf(pool),
  ips: formatRanges(need),
})

export type ClaimDecision =
  /** The registry holds the pool's claim for this generation, covering what it needs. */
  | { kind: 'held' }
  /** The registry knows a later generation of this pool: the pool read is behind, read it again. */
  | { kind: 'behind' }
  /** Claims of these pool UIDs overlap; read each pool (latest) and decide again with them. */
  | { kind: 'check'; uids: string[] }
  /** Write these claims, conditional on the registry version they were decided on. */
  | { kind: 'write'; claims: Record<string, Claim> }
  /** A live pool claimed some of these addresses first. */
  | { kind: 'refused'; reason: string }

/**
 * Whether a pool may hand out addresses, decided against the claim registry. A pool is used only
 * once its claim is in the registry, and a claim is written only when no live pool's claim
 * overlaps it, by a write conditional on the registry's resourceVersion: so of two pools that
 * share an address, at most one is ever used, whatever admission let through.
 *
 * Claims that overlap are checked against their pools as they are now (`holders`, keyed by UID;
 * undefined for a pool that is gone or has another UID): a gone pool's claim is dropped, and a
 * pool whose spec moved on since it claimed (a later generation) has its claim renewed for its
 * current needs, which frees what it gave up. Only a claim of a live pool at its current
 * generation refuses.
 */
export function decideClaim(
  claims: Readonly<Record<string, Claim>>,
  pool: SpiderIPPool,
  holders?: ReadonlyMap<string, SpiderIPPool | undefined>,
): ClaimDecision {
  const key = claimKey(pool)
  const generation = generationOf(pool)
  const need = neededRanges(pool)
  const own = claims[key]
  if (own && own.generation > generation) return { kind: 'behind' }
  if (own && own.generation === generation && rangesContainRanges(parseIpRanges(own.ips), need)) return { kind: 'held' }

  const overlapping = Object.entries(claims).filter(([uid, claim]) => uid !== key && intersectRanges(parseIpRanges(claim.ips), need).length > 0)
  const unchecked = overlapping.map(([uid]) => uid).filter((uid) => !holders?.has(uid))
  if (unchecked.length > 0) return { kind: 'check', uids: unchecked }

  const next: Record<string, Claim> = { ...claims }
  for (const [uid, claim] of overlapping) {
    const holder = holders?.get(uid)
    if (holder === undefined || claimKey(holder) !== uid) {
      delete next[uid]
      continue
    }
    let current = claim
    if (generationOf(holder) > claim.generation) {
      try {
        current = claimOf(holder)
        next[uid] = current
      } catch {
        // A holder whose spec no longer parses keeps the claim it made.
      }
    }
    const shared = intersectRanges(parseIpRanges(current.ips), need)
    if (shared.length > 0) {
      return {
        kind: 'refused',
        reason: `IPPool ${pool.metadata.name} overlaps IPPool ${holder.metadata.name} in IP ranges [${formatRanges(shared).join(' ')}], which ${holder.metadata.name} claimed first`,
      }
    }
  }
  next[key] = claimOf(pool, need)
  return { kind: 'write', claims: next }
}

/**
 * The claims without those of pools that are gone, or undefined when none is. `live` must be the
 * pools listed after the claims were read: a pool claims only once it exists, so a claim read
 * before the list whose pool is not in it belongs to a pool that is gone for good (a new pool of
 * that name has another UID).
 */
export const claimsOfLivePools = (claims: Readonly<Record<string, Claim>>, live: readonly SpiderIPPool[]): Record<string, Claim> | undefined => {
  const keys = new Set(live.map(claimKey))
  const kept = Object.fromEntries(Object.entries(claims).filter(([uid]) => keys.has(uid)))
  return Object.keys(kept).length === Object.keys(claims).length ? undefined : kept
}
