import type { SpiderIPPool, SpiderSubnet } from '../../shared/api/index.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { applicationOf } from '../../shared/reconcile/index.ts'
import type { WatchEventType, WatchSource } from '../../shared/store/store.ts'
import { createAppEvents, WORKLOAD_KINDS, type AppReconciled } from './app-events.ts'
import { createWorkQueue } from './work-queue.ts'

export interface DispatcherDeps {
  source: WatchSource
  reconcilePool: (name: string) => Promise<unknown>
  reconcileSubnet: (name: string) => Promise<unknown>
  /**
   * Auto pools: reconciles one application by key (`Deployment/ns/name`). When given, the
   * workload kinds are watched too (see app-events.ts).
   */
  reconcileApp?: (key: string) => Promise<AppReconciled | void>
  /**
   * A pool event whose object needs nothing is not queued (its subnets may still be). Default:
   * every event is. The periodic full pass queues every pool regardless.
   */
  poolIsSettled?: (pool: SpiderIPPool) => boolean
  log?: Logger
  /** Full pass: list everything, queue everything. Default 600 s, Spiderpool's GC scan period. */
  resyncIntervalMs?: number
  concurrency?: number
  retryDelayMs?: (failures: number) => number
}

export interface Dispatcher {
  /** Starts the watches and the resync timer, and queues the initial full pass. */
  start(): Promise<void>
  /** Stops watches and timer, drops queued keys, waits for reconciles in flight. Final: no restart. */
  stop(): Promise<void>
  /** One full pass now (also what the timer runs). */
  resync(): Promise<void>
  /** Resolves once no reconcile is queued or running. */
  drained(): Promise<void>
  /** The work queue now, for metrics. */
  queueStats(): { depth: number; inFlight: number; retries: number }
}

const POOL = 'SpiderIPPool/'
const SUBNET = 'SpiderSubnet/'
const APP = 'App/'

// What of a pool its subnet's status depends on. Allocations change a pool's status all the
// time but never its subnet's, so those events need not wake the subnet.
const subnetView = (pool: SpiderIPPool) => JSON.stringify([pool.spec.subnet, pool.spec.ipVersion, pool.spec.ips, applicationOf(pool.metadata.labels)])

/**
 * Turns watch events into reconciles by key: a pool event reconciles that pool, and the subnets
 * whose CIDR equals the pool's when what they show of it changed; a subnet event reconciles that
 * subnet. A periodic full pass catches whatever a watch gap missed.
 *
 * @example
 * const dispatcher = createDispatcher({ source, reconcilePool: (n) => reconcilePool(n, { store }), ... })
 * await dispatcher.start()
 */
export const createDispatcher = (deps: DispatcherDeps): Dispatcher => {
  const log = (deps.log ?? silentLogger).child({ function: 'dispatcher' })
  const queue = createWorkQueue({
    concurrency: deps.concurrency,
    retryDelayMs: deps.retryDelayMs,
    process: async (key) => {
      if (key.startsWith(POOL)) await deps.reconcilePool(key.slice(POOL.length))
      else if (key.startsWith(APP)) apps.reconciled(key.slice(APP.length), await deps.reconcileApp?.(key.slice(APP.length)))
      else await deps.reconcileSubnet(key.slice(SUBNET.length))
    },
    onError: (key, error, failures) => log.warn('reconcile failed, will retry', { key, failures, error }),
  })
  const apps = createAppEvents((key) => queue.add(APP + key))
  /** subnet name -> spec.subnet (CIDR text), to find the subnets a pool event concerns. */
  const subnetCidrs = new Map<string, string>()
  /** pool name -> spec.subnet and subnetView, to tell which pool events concern subnets. */
  const pools = new Map<string, { cidr: string; view: string }>()
  const stops: Array<() => void> = []
  let timer: ReturnType<typeof setInterval> | undefined
  let started = false
  let resyncing: Promise<void> | undefined

  const addSubnetsOf = (cidr: string) => {
    for (const [name, subnetCidr] of subnetCidrs) if (subnetCidr === cidr) queue.add(SUBNET + name)
  }

  const onPool = (type: WatchEventType, pool: SpiderIPPool) => {
    const name = pool.metadata.name
    const before = pools.get(name)
    const after = { cidr: pool.spec.subnet, view: subnetView(pool) }
    if (type === 'DELETED') pools.delete(name)
    else {
      pools.set(name, after)
      if (!deps.poolIsSettled?.(pool)) queue.add(POOL + name)
    }
    if (type === 'DELETED' || before?.view !== after.view) {
      addSubnetsOf(after.cidr)
      if (before && before.cidr !== after.cidr) addSubnetsOf(before.cidr)
    }
    if (deps.reconcileApp) apps.onPool(type, pool)
  }

  const onSubnet = (type: WatchEventType, subnet: SpiderSubnet) => {
    const name = subnet.metadata.name
    if (type === 'DELETED') {
      subnetCidrs.delete(name)
      return
    }
    subnetCidrs.set(name, subnet.spec.subnet)
    queue.add(SUBNET + name)
    if (deps.reconcileApp) apps.onSubnet(subnet)
  }

  const fullPass = async () => {
    try {
      const [poolList, subnetList] = await Promise.all([deps.source.list('SpiderIPPool'), deps.source.list('SpiderSubnet')])
      subnetCidrs.clear()
      for (const s of subnetList) subnetCidrs.set(s.metadata.name, s.spec.subnet)
      pools.clear()
      for (const p of poolList) pools.set(p.metadata.name, { cidr: p.spec.subnet, view: subnetView(p) })
      for (const p of poolList) queue.add(POOL + p.metadata.name)
      for (const s of subnetList) queue.add(SUBNET + s.metadata.name)
      if (deps.reconcileApp) {
        const workloads = (await Promise.all(WORKLOAD_KINDS.map((kind) => deps.source.list(kind)))).flat()
        for (const key of apps.keysOf(poolList, subnetList, workloads)) queue.add(APP + key)
      }
      log.debug('resync queued', { pools: poolList.length, subnets: subnetList.length })
    } catch (error) {
      log.warn('resync failed, next one at the next interval', { error })
    }
  }

  // Passes do not overlap: a slow list must not stack up behind the timer.
  const resync = () => (resyncing ??= fullPass().finally(() => (resyncing = undefined)))

  return {
    start: async () => {
      if (started) return
      started = true
      stops.push(deps.source.watch('SpiderIPPool', onPool), deps.source.watch('SpiderSubnet', onSubnet))
      if (deps.reconcileApp) for (const kind of WORKLOAD_KINDS) stops.push(deps.source.watch(kind, apps.onWorkload))
      timer = setInterval(() => void resync(), deps.resyncIntervalMs ?? 600_000)
      await resync()
    },
    stop: async () => {
      started = false
      clearInterval(timer)
      for (const stop of stops.splice(0)) stop()
      await queue.stop()
    },
    resync,
    drained: () => queue.drained(),
    queueStats: () => ({ depth: queue.length, inFlight: queue.inFlight, retries: queue.retries }),
  }
}
