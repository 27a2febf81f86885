/**
 * The controller loop: watches pools and subnets and runs reconcile-ippool / reconcile-subnet by
 * key. `startDispatcher` wires the real functions; `createDispatcher` takes them injected.
 */
import { reconcile as reconcilePool } from '../reconcile-ippool/index.ts'
import { reconcile as reconcileSubnet } from '../reconcile-subnet/index.ts'
import type { Logger } from '../../shared/log.ts'
import { poolIsSettled } from '../../shared/reconcile/index.ts'
import type { Store, WatchSource } from '../../shared/store/store.ts'
import { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'

export { createDispatcher, type Dispatcher, type DispatcherDeps } from './dispatcher.ts'
export { createWorkQueue, type WorkQueue, type WorkQueueOptions } from './work-queue.ts'

export interface StartOptions extends Pick<DispatcherDeps, 'resyncIntervalMs' | 'concurrency'> {
  store: Store
  source: WatchSource
  log?: Logger
}

/**
 * @example
 * const dispatcher = await startDispatcher({ store: KubeStore.fromKubeConfig(kc), source: KubeWatch.fromKubeConfig(kc), log })
 * // ...
 * await dispatcher.stop()
 */
export const startDispatcher = async ({ store, source, log, ...tuning }: StartOptions): Promise<Dispatcher> => {
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
  return dispatcher
}
