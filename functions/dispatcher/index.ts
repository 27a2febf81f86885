/**
 * The controller loop: watches pools and subnets and runs reconcile-ippool / reconcile-subnet by
 * key. `startDispatcher` wires the real functions; `createDispatcher` takes them injected. The
 * leaked-IP scans are leak-duty.ts: the node's on every replica, the cluster's on the leader.
 */
import { reconcile as reconcilePool } from '../reconcile-ippool/index.ts'
import { reconcile as reconcileSubnet } from '../reconcile-subnet/index.ts'
import type { PoolWriter } from '../lib/pool-writer.ts'
import type { Logger } from '../../shared/log.ts'
import { poolIsSettled } from '../../shared/reconcile/index.ts'
import type { Store, WatchSource } from '../../shared/store/store.ts'
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'

export { startLeakDuty, type LeakDutyOptions } from './leak-duty.ts'
export { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'
export { createWorkQueue, type WorkQueue, type WorkQueueOptions } from './work-queue.ts'

export interface StartOptions extends Pick<DispatcherDeps, 'resyncIntervalMs' | 'concurrency'> {
  store: Store
  source: WatchSource
  log?: Logger
  /** Drops the claims of deleted pools every resync interval (its claim registry). */
  poolWriter?: PoolWriter
}

/**
 * @example
 * const dispatcher = await startDispatcher({ store: KubeStore.fromKubeConfig(kc), source: KubeWatch.fromKubeConfig(kc), log })
 * // ...
 * await dispatcher.stop()
 */
export const startDispatcher = async ({ store, source, log, poolWriter, ...tuning }: StartOptions): Promise<Dispatcher> => {
  const deps = { store, log }
  const dispatcher = createDispatcher({
    ...tuning,
    source,
    log,
    reconcilePool: (name) => reconcilePool(name, deps),
    reconcileSubnet: (name) => reconcileSubnet(name, deps),
    poolIsSettled,
  })
  await dispatcher.start()
  if (!poolWriter) return dispatcher
  // The claims of deleted pools, once a resync interval (after a start, as the leak scan).
  const pruning = setInterval(() => {
    poolWriter.claims.prune().then(
      (dropped) => dropped > 0 && log?.info('claims of deleted pools dropped', { dropped }),
      (error: unknown) => log?.warn('could not drop the claims of deleted pools, will retry', { error }),
    )
  }, tuning.resyncIntervalMs ?? 600_000)
  return {
    ...dispatcher,
    stop: async () => {
      clearInterval(pruning)
      await dispatcher.stop()
    },
  }
}
