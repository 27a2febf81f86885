/**
 * The controller loop: watches pools and subnets and runs reconcile-ippool / reconcile-subnet by
 * key. `startDispatcher` wires the real functions; `createDispatcher` takes them injected.
 */
import { reconcile as reconcilePool } from '../reconcile-ippool/index.ts'
import { collectLeakedIPs } from '../reconcile-leaks/index.ts'
import { reconcile as reconcileSubnet } from '../reconcile-subnet/index.ts'
import { reconcileApp } from '../reconcile-autopool/by-key.ts'
import type { PoolWriter } from '../lib/pool-writer.ts'
import type { Logger } from '../../shared/log.ts'
import { poolIsSettled } from '../../shared/reconcile/index.ts'
import type { Store, WatchSource } from '../../shared/store/store.ts'
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'
import { createLeakCollector } from './leak-collector.ts'

export { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'
export { createWorkQueue, type WorkQueue, type WorkQueueOptions } from './work-queue.ts'

export interface StartOptions extends Pick<DispatcherDeps, 'resyncIntervalMs' | 'concurrency'> {
  store: Store
  source: WatchSource
  log?: Logger
  /** Runs the leaked-IP scan every resync interval (through this writer, with the allocations). */
  poolWriter?: PoolWriter
  /**
   * The node this service serves: it watches that node's pods (the source is scoped to them),
   * scans soon after one goes, and scans only that node's records.
   */
  nodeName?: string
  /**
   * Follow applications with auto pools (watches the workload kinds). `defaultFlexible`: spare
   * addresses when a template sets no ippool-ip-number.
   */
  autoPools?: { defaultFlexible: number }
}

/**
 * @example
 * const dispatcher = await startDispatcher({ store: KubeStore.fromKubeConfig(kc), source: KubeWatch.fromKubeConfig(kc), log })
 * // ...
 * await dispatcher.stop()
 */
export const startDispatcher = async ({ store, source, log, poolWriter, nodeName, autoPools, ...tuning }: StartOptions): Promise<Dispatcher> => {
  const deps = { store, log }
  const told = new Map<string, string>()
  const dispatcher = createDispatcher({
    ...tuning,
    source,
    log,
    reconcilePool: (name) => reconcilePool(name, deps),
    reconcileSubnet: (name) => reconcileSubnet(name, deps),
    ...(autoPools ? { reconcileApp: (key: string) => reconcileApp(key, { ...deps, told, defaultFlexible: autoPools.defaultFlexible }) } : {}),
    poolIsSettled,
  })
  await dispatcher.start()
  if (!poolWriter) return dispatcher
  const leaks = createLeakCollector({
    collect: () => collectLeakedIPs({ store, poolWriter, ...(log ? { log } : {}), ...(nodeName === undefined ? {} : { nodeName }) }),
    intervalMs: tuning.resyncIntervalMs ?? 600_000,
    ...(log ? { log } : {}),
  })
  leaks.start()
  const unwatch = nodeName === undefined ? () => {} : dispatcher.onPod(leaks.onPod)
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
      unwatch()
      await leaks.stop()
      await dispatcher.stop()
    },
  }
}
