import { beforeEach, describe, expect, it } from 'vitest'
import { LABEL, parseControlledIPPools, serializeAllocatedIPs } from '../../shared/api/index.ts'
import { subnet9 } from '../../shared/autopool/fixtures.testkit.ts'
import { createLogger } from '../../shared/log.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import type { WorkloadView } from '../../shared/api/views.ts'
import { reconcile } from './index.ts'
import type { EventSubject } from '../lib/event-recorder.ts'

const SUBNET = { 'ipam.spidernet.io/subnet': '{"ipv4":["subnet-9"]}' }
const WEB = 'apps_v1_Deployment_default_web'

let store: MemoryStore
let lines: string[]
let told: Map<string, string>
// What the reconcile tells, as the service's event recorder would get it.
let events: Array<{ involved: EventSubject; type: string; reason: string; message: string }> = []
const deps = () => ({
  store,
  log: createLogger({ write: (line: string) => lines.push(line) }),
  told,
  events: { record: (involved: EventSubject, e: { type: string; reason: string; message: string }) => void events.push({ involved, ...e }) },
})

const workload = (name: string, extra: Partial<WorkloadView> = {}): WorkloadView => ({
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  namespace: 'default',
  name,
  uid: `${name}-uid-00000-00000-abcdef123456`,
  ownerReferences: [],
  templateAnnotations: SUBNET,
  pods: 2,
  hostNetwork: false,
  ...extra,
})
const key = (name: string, kind = 'Deployment') => ({ kind, namespace: 'default', name })
const entries = () => parseControlledIPPools(store.subnets.get('subnet-9')?.status.controlledIPPools, 'subnet-9')
const poolOf = (name: string) => [...store.pools.values()].find((p) => p.metadata.labels?.[LABEL.ownerApplicationName] === name)
const use = (pool: string, ...ips: string[]) => {
  const stored = store.pools.get(pool)!
  const records = Object.fromEntries(ips.map((ip, i) => [ip, { pod: `default/p${i}`, podUid: `u${i}` }]))
  store.pools.set(pool, { ...stored, status: { ...stored.status, allocatedIPs: serializeAllocatedIPs(records) } })
}
/** What the reconcile of pools does once a deleted pool's addresses are free: the pool goes. */
const finishDeletion = () => {
  for (const [name, pool] of store.pools) if (pool.metadata.deletionTimestamp) store.pools.delete(name)
}

beforeEach(() => {
  events = []
  store = new MemoryStore()
  lines = []
  told = new Map()
  store.putSubnet(subnet9())
})

describe('reconcile-autopool', () => {
  it('makes a Deployment its pool: replicas + 1 of the lowest free IPs, recorded in the subnet first', async () => {
    store.putWorkload(workload('web'))
    const outcome = await reconcile(key('web'), deps())
    expect(outcome).toEqual({ result: 'settled', pools: ['auto4-web-eth0-abcde'], reclaimed: [] })
    const pool = store.pools.get('auto4-web-eth0-abcde')!
    expect(pool.spec.ips).toEqual(['10.9.0.1-10.9.0.3'])
    expect(pool.metadata.labels).toMatchObject({ [LABEL.ownerApplicationUID]: 'web-uid-00000-00000-abcdef123456', [LABEL.ownerSpiderSubnet]: 'subnet-9' })
    expect(entries()).toEqual({ 'auto4-web-eth0-abcde': { ips: ['10.9.0.1-10.9.0.3'], application: WEB } })
    expect(store.subnets.get('subnet-9')?.status).toMatchObject({ allocatedIPCount: 3, totalIPCount: 20 })
    expect(await reconcile(key('web'), deps())).toMatchObject({ result: 'settled' })
  })

  it('grows and shrinks with the replicas, giving up only free addresses', async () => {
    store.putWorkload(workload('web', { pods: 1 }))
    await reconcile(key('web'), deps())
    store.putWorkload(workload('web', { pods: 4 }))
    await reconcile(key('web'), deps())
    const name = 'auto4-web-eth0-abcde'
    expect(store.pools.get(name)?.spec.ips).toEqual(['10.9.0.1-10.9.0.5'])
    use(name, '10.9.0.2', '10.9.0.5')
    store.putWorkload(workload('web', { pods: 0 }))
    expect(await reconcile(key('web'), deps())).toMatchObject({ result: 'waiting', why: [`${name} holds 1 IPs more than wanted, and none is free`] })
    expect(store.pools.get(name)?.spec).toMatchObject({ ips: ['10.9.0.2', '10.9.0.5'] })
    expect(store.pools.get(name)?.spec.excludeIPs).toBeUndefined()
    expect(entries()[name]?.ips).toEqual(['10.9.0.2', '10.9.0.5'])
    use(name, '10.9.0.5')
    expect(await reconcile(key('web'), deps())).toMatchObject({ result: 'settled' })
    expect(store.pools.get(name)?.spec.ips).toEqual(['10.9.0.5'])
    expect(store.subnets.get('subnet-9')?.status.allocatedIPCount).toBe(1)
  })

  it('deletes the pool with its application, then frees the subnet', async () => {
    store.putWorkload(workload('web'))
    await reconcile(key('web'), deps())
    store.workloads.clear()
    expect(await reconcile(key('web'), deps())).toEqual({ result: 'gone', reclaimed: ['auto4-web-eth0-abcde'] })
    // Held by its finalizer until its addresses are free: the entry stays meanwhile.
    expect(store.pools.get('auto4-web-eth0-abcde')?.metadata.deletionTimestamp).toBeDefined()
    expect(entries()).not.toEqual({})
    finishDeletion()
    await reconcile(key('web'), deps())
    expect(entries()).toEqual({})
    expect(store.subnets.get('subnet-9')?.status.allocatedIPCount).toBe(0)
  })

  it('keeps the pool of ippool-reclaim: "false" for a successor of the same name and kind, which takes it over', async () => {
    const keep = { ...SUBNET, 'ipam.spidernet.io/ippool-reclaim': 'false' }
    store.putWorkload(workload('db', { kind: 'StatefulSet', templateAnnotations: keep }))
    await reconcile(key('db', 'StatefulSet'), deps())
    const first = poolOf('db')!
    store.workloads.clear()
    expect(await reconcile(key('db', 'StatefulSet'), deps())).toEqual({ result: 'gone', reclaimed: [] })
    expect(store.pools.get(first.metadata.name)?.metadata.deletionTimestamp).toBeUndefined()
    store.putWorkload(workload('db', { kind: 'StatefulSet', templateAnnotations: keep, uid: 'other-uid-00000-999999999999' }))
    expect(await reconcile(key('db', 'StatefulSet'), deps())).toMatchObject({ result: 'settled', pools: [first.metadata.name] })
    expect(store.pools.get(first.metadata.name)?.metadata.labels?.[LABEL.ownerApplicationUID]).toBe('other-uid-00000-999999999999')
    expect(store.pools.get(first.metadata.name)?.spec.ips).toEqual(first.spec.ips)
    // A Deployment of that name is another application.
    store.putWorkload(workload('db', { uid: 'deploy-uid-000-111111111111' }))
    expect(await reconcile(key('db'), deps())).toMatchObject({ result: 'settled', pools: ['auto4-db-eth0-11111'] })
  })

  it('deletes a reclaimed pool of an earlier incarnation when a new one of the name appears', async () => {
    store.putWorkload(workload('web'))
    await reconcile(key('web'), deps())
    store.putWorkload(workload('web', { uid: 'new-uid-00000-00000-fedcba987654' }))
    const outcome = await reconcile(key('web'), deps())
    expect(outcome).toEqual({ result: 'settled', pools: ['auto4-web-eth0-fedcb'], reclaimed: ['auto4-web-eth0-abcde'] })
    expect(store.pools.get('auto4-web-eth0-fedcb')?.spec.ips).toEqual(['10.9.0.4-10.9.0.6'])
  })

  it('refuses an application the subnet cannot hold, telling it once in an Event; nothing is made', async () => {
    store.putWorkload(workload('big', { pods: 30 }))
    const outcome = await reconcile(key('big'), deps())
    expect(outcome).toMatchObject({ result: 'refused', subnets: ['subnet-9'] })
    expect(store.pools.size).toBe(0)
    expect(entries()).toEqual({})
    await reconcile(key('big'), deps())
    expect(events).toEqual([
      {
        involved: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'big', uid: 'big-uid-00000-00000-abcdef123456' },
        type: 'Warning',
        reason: 'InsufficientIPs',
        message:
          "SpiderSubnet subnet-9 has 20 free IPs, the IPv4 auto pool of Deployment default/big for eth0 (auto4-big-eth0-abcde) needs 31 more: insufficient subnet FreeIPs, required '31' but only left '20'",
      },
    ])
  })

  it('refuses a subnet that does not exist, and a malformed annotation', async () => {
    store.putWorkload(workload('lost', { templateAnnotations: { 'ipam.spidernet.io/subnet': '{"ipv4":["nowhere"]}' } }))
    expect(await reconcile(key('lost'), deps())).toMatchObject({
      result: 'refused',
      why: ['SpiderSubnet nowhere does not exist (the IPv4 auto pool of Deployment default/lost for eth0)'],
    })
    store.putWorkload(workload('bad', { templateAnnotations: { ...SUBNET, 'ipam.spidernet.io/ippool-ip-number': 'lots' } }))
    expect(await reconcile(key('bad'), deps())).toMatchObject({ result: 'refused' })
    expect(events.map((e) => e.reason)).toEqual(['SubnetNotFound', 'InvalidAnnotation'])
    expect(store.pools.size).toBe(0)
  })

  it('finishes what a crash interrupted: a reservation without its pool gets its pool', async () => {
    store.putSubnet(subnet9({ 'auto4-web-eth0-abcde': { ips: ['10.9.0.7-10.9.0.9'], application: WEB } }))
    store.putWorkload(workload('web'))
    await reconcile(key('web'), deps())
    expect(store.pools.get('auto4-web-eth0-abcde')?.spec.ips).toEqual(['10.9.0.7-10.9.0.9'])
  })

  it("drops a reservation no pool will take: an earlier incarnation's, once the application is gone", async () => {
    store.putSubnet(subnet9({ 'auto4-web-eth0-0ld00': { ips: ['10.9.0.7'], application: WEB }, manual: { ips: ['10.9.0.10'] } }))
    store.putWorkload(workload('web'))
    await reconcile(key('web'), deps())
    expect(Object.keys(entries()).sort()).toEqual(['auto4-web-eth0-abcde', 'manual'])
  })

  it.each([
    [
      'a ReplicaSet of a Deployment',
      workload('rs', { kind: 'ReplicaSet', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'd', controller: true }] }),
      'its controller is the application',
    ],
    ['a hostNetwork application', workload('hn', { hostNetwork: true }), 'its pods use the host network'],
    ['an application without subnet annotations', workload('plain', { templateAnnotations: {} }), 'its pod template names no SpiderSubnet'],
  ])('ignores %s', async (_, w, why) => {
    store.putWorkload(w)
    expect(await reconcile(key(w.name, w.kind), deps())).toEqual({ result: 'ignored', why })
    expect(store.pools.size).toBe(0)
  })

  it('leaves the pools of a third-party controller alone (it cannot read it)', async () => {
    expect(await reconcile(key('c', 'CloneSet'), deps())).toEqual({ result: 'ignored', why: 'CloneSet is not a kind whose replicas Spinneret reads' })
  })

  it('gives two applications reconciled at once disjoint addresses; the one that does not fit is refused', async () => {
    store.putSubnet(subnet9({}, { ips: ['10.9.0.1-10.9.0.10'] }))
    store.putWorkload(workload('a', { pods: 5 }))
    store.putWorkload(workload('b', { pods: 5 }))
    const outcomes = await Promise.all([reconcile(key('a'), deps()), reconcile(key('b'), deps())])
    expect(outcomes.map((o) => o.result).sort()).toEqual(['refused', 'settled'])
    const settled = [...store.pools.values()]
    expect(settled).toHaveLength(1)
    expect(settled[0]?.spec.ips).toEqual(['10.9.0.1-10.9.0.6'])
    store.putWorkload(workload('a', { pods: 3 }))
    store.putWorkload(workload('b', { pods: 3 }))
    await Promise.all([reconcile(key('a'), deps()), reconcile(key('b'), deps())])
    await Promise.all([reconcile(key('a'), deps()), reconcile(key('b'), deps())])
    const [a, b] = [poolOf('a')!, poolOf('b')!]
    // a gave up its two highest while b took four of what was free at that moment.
    expect(a.spec.ips).toEqual(['10.9.0.1-10.9.0.4'])
    expect(b.spec.ips).toEqual(['10.9.0.7-10.9.0.10'])
    expect(store.subnets.get('subnet-9')?.status.allocatedIPCount).toBe(8)
  })

  it('makes a pool per family for a dual-stack template, each from its own subnet', async () => {
    store.putSubnet(
      subnet9({}, { ipVersion: 6, subnet: 'fd00:9::/64', ips: ['fd00:9::10-fd00:9::1f'], gateway: 'fd00:9::1' }, { name: 'subnet-9v6', uid: 'v6-uid' }),
    )
    store.putWorkload(workload('dual', { templateAnnotations: { 'ipam.spidernet.io/subnet': '{"ipv4":["subnet-9"],"ipv6":["subnet-9v6"]}' } }))
    expect(await reconcile(key('dual'), deps())).toMatchObject({ result: 'settled', pools: ['auto4-dual-eth0-abcde', 'auto6-dual-eth0-abcde'] })
    expect(store.pools.get('auto6-dual-eth0-abcde')?.spec).toMatchObject({
      ipVersion: 6,
      subnet: 'fd00:9::/64',
      ips: ['fd00:9::10-fd00:9::12'],
      gateway: 'fd00:9::1',
    })
    expect(store.subnets.get('subnet-9v6')?.status.allocatedIPCount).toBe(3)
  })

  it('follows a ReplicaSet of its own (no Deployment above it)', async () => {
    store.putWorkload(workload('lonely', { kind: 'ReplicaSet', pods: 1 }))
    expect(await reconcile(key('lonely', 'ReplicaSet'), deps())).toMatchObject({ result: 'settled' })
    expect(poolOf('lonely')?.metadata.labels?.[LABEL.ownerApplicationKind]).toBe('ReplicaSet')
  })

  it('reclaims a kept pool once its template says ippool-reclaim "true" again', async () => {
    store.putWorkload(workload('web', { templateAnnotations: { ...SUBNET, 'ipam.spidernet.io/ippool-reclaim': 'false' } }))
    await reconcile(key('web'), deps())
    expect(poolOf('web')?.metadata.labels?.[LABEL.ippoolReclaim]).toBe('false')
    store.putWorkload(workload('web'))
    await reconcile(key('web'), deps())
    expect(poolOf('web')?.metadata.labels?.[LABEL.ippoolReclaim]).toBe('true')
    store.workloads.clear()
    expect(await reconcile(key('web'), deps())).toEqual({ result: 'gone', reclaimed: ['auto4-web-eth0-abcde'] })
  })
})
