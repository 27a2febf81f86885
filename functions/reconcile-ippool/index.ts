import { isIpamError } from '../../shared/errors.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { decidePool, type ReconcileChange, type ReconcileOutcome } from '../../shared/reconcile/index.ts'
import { retryOnConflict, type RetryOptions } from '../../shared/store/retry-on-conflict.ts'
import type { Store } from '../../shared/store/store.ts'

export interface ReconcileDeps {
  store: Store
  log?: Logger
  /** Conflict retry tuning; tests pass a no-op sleep. */
  retry?: RetryOptions
}

/**
 * Brings one SpiderIPPool's finalizer and status counts in line with its spec and allocations:
 * read, decide (shared/reconcile), write only what differs, each write conditional on the
 * resourceVersion read. A lost race (an allocation wrote meanwhile) re-reads and decides again.
 *
 * @returns what was done; 'invalid' when the pool breaks the API contract (logged, not written).
 * @throws IpamError('try-again') when the API server is unreachable or every try lost its race.
 * @example await reconcile('test-ippool-6', { store, log })
 */
export async function reconcile(name: string, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { store } = deps
  const log = (deps.log ?? silentLogger).child({ function: 'reconcile-ippool', pool: name })
  // Kept across tries: a finalizer written before a status write lost its race is still a change.
  const changes = new Set<ReconcileChange>()

  const attempt = async (): Promise<ReconcileOutcome> => {
    let pool = await store.getPool(name)
    if (pool === undefined) return { result: 'gone' }
    const { finalizer, status } = decidePool(pool)
    try {
      if (finalizer) {
        pool = await store.replacePoolFinalizers(pool, finalizer.finalizers)
        changes.add(finalizer.change)
      }
      if (status) {
        pool = await store.replacePoolStatus(pool, status)
        changes.add('status')
      }
    } catch (e) {
      // Deleted between our read and our write: nothing is left to reconcile.
      if (isIpamError(e) && (await store.getPool(name)) === undefined) return { result: 'gone' }
      throw e
    }
    if (changes.size === 0) return { result: 'unchanged' }
    const { allocatedIPCount, totalIPCount } = pool.status
    log.info('SpiderIPPool reconciled', {
      changes: [...changes],
      resourceVersion: pool.metadata.resourceVersion,
      allocatedIPCount,
      totalIPCount,
    })
    return { result: 'updated', changes: [...changes] }
  }

  try {
    return await retryOnConflict(`reconcile SpiderIPPool ${name}`, attempt, deps.retry)
  } catch (e) {
    if (!isIpamError(e) || e.code !== 'invalid-resource') throw e
    log.warn('SpiderIPPool breaks the API contract, not reconciled', { error: e.message })
    return { result: 'invalid', reason: e.message }
  }
}
