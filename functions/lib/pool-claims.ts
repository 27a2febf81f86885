import { KIND, type SpiderIPPool } from '../../shared/api/index.ts'
import { claimKey, claimsOfLivePools, decideClaim, generationOf, type Claim, type ClaimDecision } from '../../shared/claims/index.ts'
import { retryOnConflict, type RetryOptions } from '../../shared/store/retry-on-conflict.ts'
import { StoreConflict, type Store } from '../../shared/store/store.ts'

export interface PoolClaimsMetrics {
  /** Claims written (a pool's first use, or its first use after a spec change). */
  claims: number
  /** Allocations refused because another pool claimed the addresses first. */
  refusals: number
}

/**
 * The allocation side of the claim registry (shared/claims): a pool hands out addresses only once
 * its claim is in the registry. Admission judges a new pool against a view of the cluster that
 * may be a moment old, so two overlapping pools created at once can both be admitted; the first to
 * claim its addresses here is used, the other refused with a reason naming the first.
 *
 * What it remembers, per process: which pool UID is claimed at which generation. That fact cannot
 * turn false while the pool stays at that generation (a claim is only dropped once its pool is
 * gone, or renewed for a later generation), and every allocation is written conditional on the
 * pool's resourceVersion, which changes with either. So a remembered claim never lets an
 * allocation through that a fresh read would refuse, as long as nobody but this code writes the
 * registry. Against the one thing outside that (someone deleting or editing the ConfigMap by
 * hand), a remembered claim is looked up again (in the watch cache) after `recheckMs`.
 */
export interface PoolClaimsOptions {
  retry?: RetryOptions
  /** How long a claim seen is trusted before it is looked up again. Default 10 s. */
  recheckMs?: number
  now?: () => number
}

export class PoolClaims {
  readonly metrics: PoolClaimsMetrics = { claims: 0, refusals: 0 }
  /** pool UID -> the generation seen claimed, and when. */
  private readonly held = new Map<string, { generation: number; at: number }>()
  private readonly retry: RetryOptions
  private readonly recheckMs: number
  private readonly now: () => number

  constructor(
    private readonly store: Store,
    options: PoolClaimsOptions = {},
  ) {
    this.retry = options.retry ?? {}
    this.recheckMs = options.recheckMs ?? 10_000
    this.now = options.now ?? Date.now
  }

  /**
   * @returns undefined when the pool may hand out addresses, else why not
   * @throws StoreConflict when the registry knows a later generation than `pool`: read it again
   */
  async check(pool: SpiderIPPool): Promise<string | undefined> {
    const key = claimKey(pool)
    const generation = generationOf(pool)
    const seen = this.held.get(key)
    if (seen?.generation === generation && this.now() - seen.at < this.recheckMs) return undefined
    // The watch cache first: a claim it shows for this generation was written, and still stands.
    const cached = decideClaim((await this.store.getClaims('cached')).claims, pool)
    if (cached.kind === 'held') return this.remember(key, generation)
    const outcome = await retryOnConflict(`claim the IP ranges of SpiderIPPool ${pool.metadata.name}`, () => this.claim(pool), this.retry)
    if (outcome.kind === 'behind') throw new StoreConflict(KIND.ipPool, pool.metadata.name)
    if (outcome.kind === 'refused') {
      this.metrics.refusals++
      return outcome.reason
    }
    return this.remember(key, generation)
  }

  /** One read-decide-write round on the registry, with the pools behind overlapping claims read fresh. */
  private async claim(pool: SpiderIPPool): Promise<Exclude<ClaimDecision, { kind: 'check' | 'write' }>> {
    const registry = await this.store.getClaims('latest')
    let decision = decideClaim(registry.claims, pool)
    if (decision.kind === 'check') {
      const holders = await Promise.all(
        decision.uids.map(async (uid) => [uid, await this.store.getPool((registry.claims[uid] as Claim).pool, 'latest')] as const),
      )
      decision = decideClaim(registry.claims, pool, new Map(holders))
    }
    if (decision.kind === 'check') throw new Error(`claim registry: pools of ${decision.uids.join(', ')} were read and still unchecked`)
    if (decision.kind !== 'write') return decision
    await this.store.writeClaims({ ...registry, claims: decision.claims })
    this.metrics.claims++
    return { kind: 'held' }
  }

  /**
   * Drops the claims of pools that are gone. Claims of overlapping pools are dropped as they meet
   * (see decideClaim); this catches the rest, so the registry does not grow with every pool ever
   * made. The registry is read before the pools are listed: see claimsOfLivePools.
   * @returns how many claims were dropped
   */
  async prune(): Promise<number> {
    return retryOnConflict(
      'drop the claims of deleted pools',
      async () => {
        const registry = await this.store.getClaims('latest')
        const kept = claimsOfLivePools(registry.claims, await this.store.listPools('latest'))
        if (kept === undefined) return 0
        await this.store.writeClaims({ ...registry, claims: kept })
        return Object.keys(registry.claims).length - Object.keys(kept).length
      },
      this.retry,
    )
  }

  private remember(key: string, generation: number): undefined {
    this.held.set(key, { generation, at: this.now() })
    return undefined
  }
}
