import { decidePool, type ReconcileOutcome } from '../../shared/reconcile/index.ts'
import { reconcileObject, type ReconcileDeps } from '../lib/reconcile-object.ts'

/**
 * Brings one SpiderIPPool's finalizer and status counts in line with its spec and allocations
 * (shared/reconcile decidePool), in the one reconcile shape (functions/lib/reconcile-object.ts).
 *
 * @example await reconcile('test-ippool-6', { store, log })
 */
export const reconcile = (name: string, deps: ReconcileDeps): Promise<ReconcileOutcome> =>
  reconcileObject(
    name,
    {
      kind: 'SpiderIPPool',
      logFields: { function: 'reconcile-ippool', pool: name },
      invalid: 'SpiderIPPool breaks the API contract, not reconciled',
      read: () => deps.store.getPool(name),
      decide: async (pool) => decidePool(pool),
      writeFinalizers: (pool, finalizers) => deps.store.replacePoolFinalizers(pool, finalizers),
      writeStatus: (pool, status) => (deps.poolWriter ? deps.poolWriter.writeStatus(pool, status) : deps.store.replacePoolStatus(pool, status)),
    },
    deps,
  )
