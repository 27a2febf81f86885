import type { Decision, ReconcileChange, ReconcileOutcome } from '../../shared/reconcile/index.ts'
import { isIpamError } from '../../shared/errors.ts'
import { silentLogger, type Logger, type LogFields } from '../../shared/log.ts'
import { retryOnConflict, type RetryOptions } from '../../shared/store/retry-on-conflict.ts'
import type { Store } from '../../shared/store/store.ts'
import type { PoolWriter } from './pool-writer.ts'

/** What every reconcile function takes. */
export interface ReconcileDeps {
  store: Store
  log?: Logger
  /** Conflict retry tuning; tests pass a no-op sleep. */
  retry?: RetryOptions
  /** The process's one writer of pool status (the service's PoolWriter); without it, the store. */
  poolWriter?: Pick<PoolWriter, 'writeStatus'>
}

type Versioned<TStatus> = { metadata: { resourceVersion?: string }; status: TStatus }
type Counts = { allocatedIPCount?: number; totalIPCount?: number }

/** One kind's reads, decision and conditional writes, for reconcileObject. */
export interface ObjectReconciler<T extends Versioned<TStatus>, TStatus extends Counts> {
  /** `SpiderIPPool`, for messages. */
  readonly kind: string
  /** The function's name and the object's key, for log lines. */
  readonly logFields: LogFields
  /** Said when the object (or one it depends on) breaks the API contract. */
  readonly invalid: string
  read(): Promise<T | undefined>
  decide(object: T): Promise<Decision<TStatus>>
  writeFinalizers(object: T, finalizers: string[]): Promise<T>
  writeStatus(object: T, status: TStatus): Promise<T>
}

/**
 * The one shape of reconcile-ippool and reconcile-subnet: read, decide (shared/reconcile), write
 * only what differs, each write conditional on the resourceVersion read. A lost race re-reads and
 * decides again; an object deleted between read and write is 'gone'.
 *
 * @returns what was done; 'invalid' when the object breaks the API contract (logged, not written).
 * @throws IpamError('try-again') when the API server is unreachable or every try lost its race.
 */
export async function reconcileObject<T extends Versioned<TStatus>, TStatus extends Counts>(
  name: string,
  reconciler: ObjectReconciler<T, TStatus>,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const log = (deps.log ?? silentLogger).child(reconciler.logFields)
  // Kept across tries: a finalizer written before a status write lost its race is still a change.
  const changes = new Set<ReconcileChange>()

  const attempt = async (): Promise<ReconcileOutcome> => {
    let object = await reconciler.read()
    if (object === undefined) return { result: 'gone' }
    const { finalizer, status } = await reconciler.decide(object)
    try {
      if (finalizer) {
        object = await reconciler.writeFinalizers(object, finalizer.finalizers)
        changes.add(finalizer.change)
      }
      if (status) {
        object = await reconciler.writeStatus(object, status)
        changes.add('status')
      }
    } catch (e) {
      // Deleted between our read and our write: nothing is left to reconcile.
      if (isIpamError(e) && (await reconciler.read()) === undefined) return { result: 'gone' }
      throw e
    }
    if (changes.size === 0) return { result: 'unchanged' }
    const { allocatedIPCount, totalIPCount } = object.status
    log.info(`${reconciler.kind} reconciled`, {
      changes: [...changes],
      resourceVersion: object.metadata.resourceVersion,
      allocatedIPCount,
      totalIPCount,
    })
    return { result: 'updated', changes: [...changes] }
  }

  try {
    return await retryOnConflict(`reconcile ${reconciler.kind} ${name}`, attempt, deps.retry)
  } catch (e) {
    if (!isIpamError(e) || e.code !== 'invalid-resource') throw e
    log.warn(reconciler.invalid, { error: e.message })
    return { result: 'invalid', reason: e.message }
  }
}
