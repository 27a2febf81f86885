import { parseAllocatedIPs, type IPPoolStatus, type SpiderIPPool, type SpiderReservedIP } from '../../shared/api/index.ts'
import { assignInPool, type AssignOutcome, type AssignRequest } from '../../shared/allocate/assign.ts'
import { availableRanges, poolFamily, reservedRanges } from '../../shared/allocate/pool-ranges.ts'
import { poolStatusFor } from '../../shared/allocate/pool-status.ts'
import { releaseInPool, type ReleaseRequest } from '../../shared/allocate/release.ts'
import { IpamError } from '../../shared/errors.ts'
import { retryOnConflict, type RetryOptions } from '../../shared/store/retry-on-conflict.ts'
import type { Store } from '../../shared/store/store.ts'
import { PoolClaims } from './pool-claims.ts'

/** What an assignment gets back: the outcome plus the pool as written, for gateway and routes. */
export type PoolAssignment = (AssignOutcome & { pool: SpiderIPPool }) | { ok: false; reason: 'unavailable'; pool?: SpiderIPPool; why: string }

/**
 * What the caller read (possibly from a cache) to choose the pool: a round may start from it
 * instead of reading, under the rule for a carried pool (see PoolWriter.round).
 */
export interface Seen {
  pool?: SpiderIPPool
  reservedIPs?: SpiderReservedIP[]
}

type AssignJob = { request: AssignRequest; seen?: Seen; resolve: (a: PoolAssignment) => void; reject: (e: unknown) => void }
type ReleaseJob = { request: ReleaseRequest; resolve: (ips: string[]) => void; reject: (e: unknown) => void }
type StatusJob = { pool: SpiderIPPool; status: IPPoolStatus; resolve: (written: SpiderIPPool) => void; reject: (e: unknown) => void }
type Job = ({ kind: 'assign' } & AssignJob) | ({ kind: 'release' } & ReleaseJob) | ({ kind: 'status' } & StatusJob)

export interface PoolWriterMetrics {
  /** Read-decide-write rounds, retries included. */
  rounds: number
  /** Conditional status writes sent. */
  writes: number
  conflicts: number
  /** Jobs decided, so writes/jobs is the write amplification. */
  jobs: number
}

export interface PoolWriterOptions {
  /** Decide every waiting request of a pool in one read and one write (default true). */
  groupCommit?: boolean
  /** Upper bound of a batch, so one status write stays well under etcd's object size limit. */
  maxBatch?: number
  retry?: RetryOptions
  /** Told after each batch of a pool is settled: its size and the write races it lost (metrics). */
  onBatch?: (batch: { assigns: number; releases: number; conflicts: number }) => void
}

/**
 * Serialises a process's changes to each pool's status and, with group commit, coalesces them:
 * requests that arrive while a round is in flight wait for the next round, which reads the pool
 * once, decides for all of them (shared/allocate) and writes once, conditional on the
 * resourceVersion it read. Other processes stay correct through that condition alone: a lost race
 * re-reads and decides again. Nothing of a pool's status is remembered between rounds; which pools
 * are claimed in the claim registry is (see PoolClaims: a pool hands out nothing before it is).
 */
export class PoolWriter {
  readonly metrics: PoolWriterMetrics = { rounds: 0, writes: 0, conflicts: 0, jobs: 0 }
  readonly claims: PoolClaims
  private readonly queues = new Map<string, Job[]>()
  private readonly groupCommit: boolean
  private readonly maxBatch: number

  constructor(
    private readonly store: Store,
    private readonly options: PoolWriterOptions = {},
  ) {
    this.groupCommit = options.groupCommit ?? true
    this.maxBatch = options.maxBatch ?? 256
    this.claims = new PoolClaims(store, options.retry ? { retry: options.retry } : {})
  }

  assign(pool: string, request: AssignRequest, seen?: Seen): Promise<PoolAssignment> {
    return new Promise((resolve, reject) => this.submit(pool, { kind: 'assign', request, ...(seen ? { seen } : {}), resolve, reject }))
  }

  release(pool: string, request: ReleaseRequest): Promise<string[]> {
    return new Promise((resolve, reject) => this.submit(pool, { kind: 'release', request, resolve, reject }))
  }

  /**
   * A status someone else decided (reconcile-ippool's counts), written in this pool's turn so that
   * every status write of the process goes through one writer; conditional on `pool`'s
   * resourceVersion like any other. @throws StoreConflict (the caller decides again)
   */
  writeStatus(pool: SpiderIPPool, status: IPPoolStatus): Promise<SpiderIPPool> {
    return new Promise((resolve, reject) => this.submit(pool.metadata.name, { kind: 'status', pool, status, resolve, reject }))
  }

  private submit(pool: string, job: Job): void {
    if (!this.groupCommit) {
      void this.run(pool, [job], seenBy(job)?.pool)
      return
    }
    const queue = this.queues.get(pool)
    if (queue) {
      queue.push(job)
      return
    }
    this.queues.set(pool, [job])
    void this.drain(pool)
  }

  // One round at a time per pool; whatever queued up meanwhile is the next batch. Within one
  // drain, a round starts from the pool as the previous round wrote it (the write's answer), the
  // first from the pool a request saw, instead of reading it again: the conditional write proves
  // it current, or fails and the round re-reads. Nothing is carried past the drain.
  private async drain(pool: string): Promise<void> {
    let carried: SpiderIPPool | undefined
    for (;;) {
      const queue = this.queues.get(pool) ?? []
      if (queue.length === 0) {
        this.queues.delete(pool)
        return
      }
      const batch = queue.splice(0, this.maxBatch)
      carried = await this.run(pool, batch, carried ?? batch.map((job) => seenBy(job)?.pool).find((p) => p !== undefined))
    }
  }

  /** @returns the pool as the round left it (for the next round of a drain), unless it failed */
  private async run(poolName: string, jobs: Job[], carried?: SpiderIPPool): Promise<SpiderIPPool | undefined> {
    const assigns = jobs.filter((j): j is Job & { kind: 'assign' } => j.kind === 'assign')
    const releases = jobs.filter((j): j is Job & { kind: 'release' } => j.kind === 'release')
    // Written first, as asked: not retried here, since a lost race means the caller must decide again.
    for (const job of jobs) {
      if (job.kind !== 'status') continue
      try {
        this.metrics.writes++
        carried = await this.store.replacePoolStatus(job.pool, job.status)
        job.resolve(carried)
      } catch (e) {
        carried = undefined
        job.reject(e)
      }
    }
    if (assigns.length + releases.length === 0) return carried
    let start = carried
    let conflicts = 0
    try {
      const { settle, pool } = await retryOnConflict(
        `update SpiderIPPool ${poolName}`,
        () => {
          const from = start
          start = undefined // a retry reads the latest
          return this.round(poolName, assigns, releases, from)
        },
        {
          ...this.options.retry,
          onConflict: (n) => {
            conflicts++
            this.metrics.conflicts++
            this.options.retry?.onConflict?.(n)
          },
        },
      )
      settle()
      return pool
    } catch (e) {
      for (const job of [...assigns, ...releases]) job.reject(e)
      return undefined
    } finally {
      this.options.onBatch?.({ assigns: assigns.length, releases: releases.length, conflicts })
    }
  }

  /**
   * One read-decide-write round; returns how to answer the jobs once it has won its race.
   * `carried` (the previous round's write) stands in for the read only when the round writes:
   * the write is conditional on it. A decision that writes nothing (a retried ADD, a release of
   * nothing) must rest on a read of the latest, or it could answer from a moment-old view.
   */
  private async round(
    poolName: string,
    assigns: AssignJob[],
    releases: ReleaseJob[],
    carried: SpiderIPPool | undefined,
  ): Promise<{ settle: () => void; pool: SpiderIPPool | undefined }> {
    this.metrics.rounds++
    const [pool, reserved] = await Promise.all([
      carried ?? this.store.getPool(poolName),
      assigns.length === 0 ? [] : (assigns.find((job) => job.seen?.reservedIPs)?.seen?.reservedIPs ?? this.store.listReservedIPs()),
    ])
    if (!pool) {
      if (assigns.length > 0) throw new IpamError('no-pool', `IPPool ${poolName} not found`)
      return { settle: () => releases.forEach((job) => job.resolve([])), pool: undefined }
    }
    // Releases are decided before assignments so that an address freed in this round can serve
    // a waiting request at once.
    const released = releaseInPool(
      parseAllocatedIPs(pool.status.allocatedIPs, poolName),
      releases.map((job) => job.request),
    )
    // A pool hands out nothing before its addresses are claimed (PoolClaims).
    const refusal = unavailableReason(pool) ?? (assigns.length === 0 ? undefined : await this.claims.check(pool))
    const assigned =
      assigns.length === 0 || refusal
        ? undefined
        : assignInPool(
            poolFamily(pool),
            released.records,
            availableRanges(pool, reservedRanges(reserved)),
            assigns.map((job) => job.request),
          )
    let written = pool
    if (released.changed || assigned?.changed) {
      this.metrics.writes++
      written = await this.store.replacePoolStatus(pool, poolStatusFor(pool, assigned?.records ?? released.records))
    } else if (carried) {
      return this.round(poolName, assigns, releases, undefined)
    }
    this.metrics.jobs += assigns.length + releases.length
    const settle = () => {
      releases.forEach((job, i) => job.resolve(released.released[i] ?? []))
      assigns.forEach((job, i) => {
        const outcome = assigned?.outcomes[i]
        // No outcome means the pool refused every assignment: `refusal` says why.
        job.resolve(outcome ? { ...outcome, pool: written } : { ok: false, reason: 'unavailable', pool: written, why: refusal ?? '' })
      })
    }
    return { settle, pool: written }
  }
}

const seenBy = (job: Job): Seen | undefined => (job.kind === 'assign' ? job.seen : undefined)

// The pool may have changed since the request's candidates were filtered.
const unavailableReason = (pool: SpiderIPPool): string | undefined => {
  if (pool.metadata.deletionTimestamp) return `terminating IPPool ${pool.metadata.name}`
  if (pool.spec.disable) return `disabled IPPool ${pool.metadata.name}`
  return undefined
}
