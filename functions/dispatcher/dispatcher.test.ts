import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SpiderIPPool, SpiderSubnet } from '../../shared/api/index.ts'
import { createLogger } from '../../shared/log.ts'
import { ownerLabels, pool, subnet } from '../../shared/reconcile/fixtures.testkit.ts'
import type { WatchEventType, WatchHandler, WatchKind, WatchSource, WatchedObjects } from '../../shared/store/store.ts'
import type { WorkloadView } from '../../shared/api/views.ts'
import { createDispatcher, type DispatcherDeps } from './dispatcher.ts'

/** Stands in for kube-watch: the test emits events and sets what a list returns. */
class FakeSource implements WatchSource {
  pools: SpiderIPPool[] = []
  subnets: SpiderSubnet[] = []
  workloads: WorkloadView[] = []
  lists = 0
  readonly handlers: { [K in WatchKind]: Set<WatchHandler<K>> } = {
    SpiderIPPool: new Set(),
    SpiderSubnet: new Set(),
    Pod: new Set(),
    Node: new Set(),
    Namespace: new Set(),
    SpiderReservedIP: new Set(),
    Lease: new Set(),
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
    const workloads = this.workloads.filter((w) => w.kind === kind)
    return structuredClone(all[kind] ?? workloads) as Array<WatchedObjects[K]>
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
})

describe('dispatcher: applications with auto pools', () => {
  const SUBNET = { 'ipam.spidernet.io/subnet': '{"ipv4":["subnet-6"]}' }
  const web = (extra: Partial<WorkloadView> = {}): WorkloadView => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    namespace: 'default',
    name: 'web',
    uid: 'u1',
    ownerReferences: [],
    templateAnnotations: SUBNET,
    pods: 2,
    hostNetwork: false,
    ...extra,
  })
  const autoPool = (extra: Record<string, unknown> = {}) =>
    pool('auto4-web-eth0-11111', { ips: ['10.6.0.1'] }, { metadata: { labels: ownerLabels('apps_v1', 'Deployment', 'default', 'web') }, ...extra })
  let waitsOn: string[]
  const withApps = () => started({ reconcileApp: async (key) => (calls.push(`app ${key}`), { waitsOn }) })

  beforeEach(() => {
    waitsOn = []
  })

  it('reconciles an application that names subnets when it appears, changes its pods or template, and goes', async () => {
    const dispatcher = await withApps()
    source.emit('Deployment', 'ADDED', web())
    source.emit('Deployment', 'ADDED', web({ name: 'plain', templateAnnotations: {} }))
    source.emit(
      'ReplicaSet',
      'ADDED',
      web({ kind: 'ReplicaSet', name: 'web-rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1', controller: true }] }),
    )
    await dispatcher.drained()
    expect(calls).toEqual(['app Deployment/default/web'])
    calls.length = 0
    // A status change shows nothing new.
    source.emit('Deployment', 'MODIFIED', web())
    await dispatcher.drained()
    expect(calls).toEqual([])
    source.emit('Deployment', 'MODIFIED', web({ pods: 5 }))
    source.emit('DaemonSet', 'ADDED', web({ kind: 'DaemonSet', name: 'agent' }))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['app DaemonSet/default/agent', 'app Deployment/default/web'])
    calls.length = 0
    source.emit('Deployment', 'DELETED', web({ pods: 5 }))
    await dispatcher.drained()
    expect(calls).toEqual(['app Deployment/default/web'])
    await dispatcher.stop()
  })

  it('reconciles the application of an auto pool that changes or goes, and not for an allocation', async () => {
    const dispatcher = await withApps()
    source.emit('SpiderIPPool', 'ADDED', autoPool())
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app'))).toEqual(['app Deployment/default/web'])
    calls.length = 0
    source.emit('SpiderIPPool', 'MODIFIED', autoPool({ status: { allocatedIPCount: 1 } }))
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app'))).toEqual([])
    source.emit('SpiderIPPool', 'DELETED', autoPool())
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app'))).toEqual(['app Deployment/default/web'])
    await dispatcher.stop()
  })

  it('wakes an application that waits on a subnet when the subnet or its pool changes', async () => {
    waitsOn = ['subnet-6']
    const dispatcher = await withApps()
    source.emit('SpiderIPPool', 'ADDED', autoPool())
    source.emit('Deployment', 'ADDED', web())
    await dispatcher.drained()
    calls.length = 0
    source.emit('SpiderSubnet', 'MODIFIED', subnet('subnet-7', { subnet: '10.7.0.0/16' }))
    source.emit('SpiderSubnet', 'MODIFIED', subnet('subnet-6', {}))
    await dispatcher.drained()
    expect(calls.sort()).toEqual(['app Deployment/default/web', 'subnet subnet-6', 'subnet subnet-7'])
    calls.length = 0
    // Waiting for addresses to come free: an allocation's release is news.
    source.emit('SpiderIPPool', 'MODIFIED', autoPool({ status: { allocatedIPCount: 0 } }))
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app'))).toEqual(['app Deployment/default/web'])
    calls.length = 0
    // So is a pool of another application that gives addresses back.
    source.emit('SpiderIPPool', 'MODIFIED', pool('p6', { ips: [] }))
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app'))).toEqual(['app Deployment/default/web'])
    await dispatcher.stop()
  })

  it('resyncs the applications named by workloads, auto pools and subnet entries', async () => {
    source.workloads = [web({ name: 'a' }), web({ kind: 'CronJob', name: 'nightly', apiVersion: 'batch/v1' }), web({ name: 'plain', templateAnnotations: {} })]
    source.pools.push(autoPool())
    source.subnets.push(
      subnet(
        'subnet-9',
        { subnet: '10.9.0.0/16' },
        {
          status: {
            controlledIPPools: JSON.stringify({
              x: { ips: [], application: 'batch_v1_Job_ns_j' },
              y: { ips: [], application: 'apps.kruise.io_v1alpha1_CloneSet_ns_c' },
            }),
          },
        },
      ),
    )
    const dispatcher = createDispatcher({ ...deps, reconcileApp: async (key) => void calls.push(`app ${key}`) })
    await dispatcher.start()
    await dispatcher.drained()
    expect(calls.filter((c) => c.startsWith('app')).sort()).toEqual([
      'app CronJob/default/nightly',
      'app Deployment/default/a',
      'app Deployment/default/web',
      'app Job/ns/j',
    ])
    await dispatcher.stop()
  })

  it('watches no workload without an auto-pool reconcile', async () => {
    const dispatcher = await started()
    expect(source.handlers.Deployment.size).toBe(0)
    await dispatcher.stop()
  })
})
