/**
 * The controller loop: watches pools and subnets and runs reconcile-ippool / reconcile-subnet by
 * key. `startDispatcher` wires the real functions; `createDispatcher` takes them injected. The
 * leaked-IP scans are leak-duty.ts: the node's on every replica, the cluster's on the leader.
 */
import { reconcile as reconcilePool } from '../reconcile-ippool/index.ts'
import { reconcile as reconcileSubnet } from '../reconcile-subnet/index.ts'
import { reconcileApp } from '../reconcile-autopool/by-key.ts'
import type { EventRecorder } from '../lib/event-recorder.ts'
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
  /**
   * Follow applications with auto pools (watches the workload kinds). `defaultFlexible`: spare
   * addresses when a template sets no ippool-ip-number.
   */
  autoPools?: { defaultFlexible: number }
  /** Where auto-pool refusals go as Events on their applications. */
  events?: Pick<EventRecorder, 'record'>
}

/**
 * @example
 * const dispatcher = await startDispatcher({ store: KubeStore.fromKubeConfig(kc), source: KubeWatch.fromKubeConfig(kc), log })
 * // ...
 * await dispatcher.stop()
 */
export const startDispatcher = async ({ store, source, log, poolWriter, autoPools, events, ...tuning }: StartOptions): Promise<Dispatcher> => {
  // Pool status goes through the service's one PoolWriter, in turn with the allocations.
  const deps = { store, log, ...(poolWriter ? { poolWriter } : {}) }
  const told = new Map<string, string>()
  const dispatcher = createDispatcher({
    ...tuning,
    source,
    log,
    reconcilePool: (name) => reconcilePool(name, deps),
    reconcileSubnet: (name) => reconcileSubnet(name, deps),
    ...(autoPools
      ? { reconcileApp: (key: string) => reconcileApp(key, { ...deps, told, defaultFlexible: autoPools.defaultFlexible, ...(events ? { events } : {}) }) }
      : {}),
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
