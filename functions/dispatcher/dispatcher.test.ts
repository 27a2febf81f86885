import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SpiderIPPool, SpiderSubnet } from '../../shared/api/index.ts'
import { createLogger } from '../../shared/log.ts'
import { ownerLabels, pool, subnet } from '../../shared/reconcile/fixtures.testkit.ts'
import type { WatchEventType, WatchHandler, WatchKind, WatchSource, WatchedObjects } from '../../shared/store/store.ts'
import type { PodView } from '../../shared/store/views.ts'
import { createDispatcher, type DispatcherDeps } from './dispatcher.ts'

/** Stands in for kube-watch: the test emits events and sets what a list returns. */
class FakeSource implements WatchSource {
  pools: SpiderIPPool[] = []
  subnets: SpiderSubnet[] = []
  lists = 0
  readonly handlers: { [K in WatchKind]: Set<WatchHandler<K>> } = {
    SpiderIPPool: new Set(),
    SpiderSubnet: new Set(),
    Pod: new Set(),
    Deployment: new Set(),
    ReplicaSet: new Set(),
    StatefulSet: new Set(),
    DaemonSet: new Set(),
    Job: new Set(),
    CronJob: new Set(),
  }

  watch<K extends WatchKind>(kind: K, onEvent: WatchHandler<K>) {
    const set = this.handlers[kind] as Set<WatchHandler<K>>
    set.add(onEvent)
    return () => void set.delete(onEvent)
  }

  async list<K extends WatchKind>(kind: K): Promise<Array<WatchedObjects[K]>> {
    this.lists++
    const all: Partial<Record<WatchKind, unknown[]>> = { SpiderIPPool: this.pools, SpiderSubnet: this.subnets }
    return structuredClone(all[kind] ?? []) as Array<WatchedObjects[K]>
  }

  emit<K extends WatchKind>(kind: K, type: WatchEventType, object: WatchedObjects[K]) {
    for (const handler of this.handlers[kind] as Set<WatchHandler<K>>) handler(type, object)
  }
}

let source: FakeSource
let calls: string[]
let deps: DispatcherDeps

beforeEach(() => {
  source = new FakeSource()
  source.subnets = [subnet('subnet-6', {}), subnet('subnet-7', { subnet: '10.7.0.0/16' })]
  source.pools = [pool('p6', { ips: ['10.6.0.1'] }), pool('p7', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] })]
  calls = []
  deps = {
    source,
    reconcilePool: async (name) => void calls.push(`pool ${name}`),
    reconcileSubnet: async (name) => void calls.push(`subnet ${name}`),
  }
})

afterEach(() => {
  vi.useRealTimers()
})

/** Starts, lets the initial pass finish, and forgets its calls. */
const started = async (extra: Partial<DispatcherDeps> = {}) => {
  const dispatcher = createDispatcher({ ...deps, ...extra })
  await dispatcher.start()
  await dispatcher.drained()
  calls.length = 0
  return dispatcher
}

describe('dispatcher', () => {
  it('reconciles every pool and subnet once at start', async () => {
    const dispatcher = createDispatcher(deps)
    await dispatcher.start()
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['pool p6', 'pool p7', 'subnet subnet-6', 'subnet subnet-7'])
    await dispatcher.stop()
  })

  it('reconciles a changed pool and the subnet of its CIDR, not the others', async () => {
    const dispatcher = await started()
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1-10.6.0.2'] }))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['pool p6', 'subnet subnet-6'])
    await dispatcher.stop()
  })

  it('spares the subnet when only the pool status changed (an allocation)', async () => {
    const dispatcher = await started()
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1'] }, { status: { allocatedIPCount: 1 } }))
    await dispatcher.drained()
    expect(calls).toEqual(['pool p6'])
    await dispatcher.stop()
  })

  it('does not queue a pool whose event shows it settled, and still wakes its subnet', async () => {
    const settled = (p: { status: { allocatedIPCount?: number } }) => p.status.allocatedIPCount === 1
    const dispatcher = await started({ poolIsSettled: settled })
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1'] }, { status: { allocatedIPCount: 1 } }))
    source.emit('SpiderIPPool', 'MODIFIED', pool('p7', { subnet: '10.7.0.0/16', ips: ['10.7.0.2'] }, { status: { allocatedIPCount: 1 } }))
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1'] }, { status: { allocatedIPCount: 2 } }))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['pool p6', 'subnet subnet-7'])
    await dispatcher.stop()
  })

  it('wakes the subnet when a pool gains owner labels', async () => {
    const dispatcher = await started()
    const labels = ownerLabels('apps_v1', 'Deployment', 'default', 'web')
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1'] }, { metadata: { labels } }))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['pool p6', 'subnet subnet-6'])
    await dispatcher.stop()
  })

  it('on a pool deletion reconciles its subnet only', async () => {
    const dispatcher = await started()
    source.emit('SpiderIPPool', 'DELETED', pool('p7', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }))
    await dispatcher.drained()
    expect(calls).toEqual(['subnet subnet-7'])
    await dispatcher.stop()
  })

  it('learns subnets from their events, and pools of their CIDR then reach them', async () => {
    const dispatcher = await started()
    source.emit('SpiderSubnet', 'ADDED', subnet('subnet-8', { subnet: '10.8.0.0/16' }))
    await dispatcher.drained()
    expect(calls).toEqual(['subnet subnet-8'])
    calls.length = 0
    source.emit('SpiderIPPool', 'ADDED', pool('p8', { subnet: '10.8.0.0/16', ips: ['10.8.0.1'] }))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['pool p8', 'subnet subnet-8'])
    calls.length = 0
    source.emit('SpiderSubnet', 'DELETED', subnet('subnet-8', { subnet: '10.8.0.0/16' }))
    source.emit('SpiderIPPool', 'MODIFIED', pool('p8', { subnet: '10.8.0.0/16', ips: ['10.8.0.2'] }))
    await dispatcher.drained()
    expect(calls).toEqual(['pool p8'])
    await dispatcher.stop()
  })

  it('collapses a burst of events for one pool into at most one run after the one in flight', async () => {
    let release = () => {}
    let runs = 0
    let hold = false
    const dispatcher = await started({
      reconcilePool: async () => {
        runs++
        if (hold) await new Promise<void>((resolve) => (release = resolve))
      },
    })
    runs = 0
    hold = true
    for (let i = 0; i < 10; i++) source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.1'] }, { status: { allocatedIPCount: i } }))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(runs).toBe(1)
    release()
    await new Promise((resolve) => setTimeout(resolve, 0))
    release()
    await dispatcher.drained()
    expect(runs).toBe(2)
    await dispatcher.stop()
  })

  it('resyncs on its interval: lists again and reconciles everything', async () => {
    vi.useFakeTimers()
    const dispatcher = await started({ resyncIntervalMs: 1000 })
    expect(source.lists).toBe(2)
    source.pools.push(pool('missed', { ips: ['10.6.0.9'] }))
    await vi.advanceTimersByTimeAsync(1000)
    await dispatcher.drained()
    expect(source.lists).toBe(4)
    expect(calls.sort()).toEqual(['pool missed', 'pool p6', 'pool p7', 'subnet subnet-6', 'subnet subnet-7'])
    await dispatcher.stop()
    calls.length = 0
    await vi.advanceTimersByTimeAsync(5000)
    expect(calls).toEqual([])
  })

  it('retries a reconcile that failed, and logs it', async () => {
    const lines: string[] = []
    let fail = false
    const dispatcher = await started({
      log: createLogger({ write: (line) => lines.push(line) }),
      retryDelayMs: () => 1,
      reconcileSubnet: async (name) => {
        calls.push(`subnet ${name}`)
        if (fail) throw ((fail = false), new Error('API down'))
      },
    })
    fail = true
    source.emit('SpiderSubnet', 'MODIFIED', subnet('subnet-6', {}))
    await vi.waitFor(() => expect(calls).toEqual(['subnet subnet-6', 'subnet subnet-6']))
    expect(JSON.parse(lines.find((l) => l.includes('reconcile failed')) ?? '{}')).toMatchObject({
      level: 'warn',
      key: 'SpiderSubnet/subnet-6',
      error: 'API down',
    })
    await dispatcher.stop()
  })

  it('keeps going when a resync list fails', async () => {
    const dispatcher = await started()
    source.list = async () => {
      throw new Error('API down')
    }
    await expect(dispatcher.resync()).resolves.toBeUndefined()
    await dispatcher.stop()
  })

  it('stop ends the watches', async () => {
    const dispatcher = await started()
    await dispatcher.stop()
    expect(source.handlers.SpiderIPPool.size + source.handlers.SpiderSubnet.size).toBe(0)
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: ['10.6.0.7'] }))
    expect(calls).toEqual([])
  })

  it('watches pods only while someone listens, and shields listeners from each other', async () => {
    const dispatcher = await started()
    expect(source.handlers.Pod.size).toBe(0)
    const seen: string[] = []
    const unsubscribeThrower = dispatcher.onPod(() => {
      throw new Error('bug in a GC')
    })
    const unsubscribe = dispatcher.onPod((type, pod) => seen.push(`${type} ${pod.namespace}/${pod.name}`))
    expect(source.handlers.Pod.size).toBe(1)
    const pod: PodView = { namespace: 'default', name: 'web-1', uid: 'u1', labels: {}, annotations: {}, ownerReferences: [] }
    source.emit('Pod', 'DELETED', pod)
    expect(seen).toEqual(['DELETED default/web-1'])
    unsubscribeThrower()
    unsubscribe()
    expect(source.handlers.Pod.size).toBe(0)
    await dispatcher.stop()
  })
})
