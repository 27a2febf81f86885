import { describe, expect, it } from 'vitest'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'
import type { MemoryStore } from '../../shared/store/memory-store.ts'
import { createReleaseApp } from '../release/app.ts'
import { addRequest, depsFor, ipPool, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { createAllocateApp } from './app.ts'
import { bodyOf } from '../lib/response-body.testkit.ts'

// As Spinneret's plugin asks: structured errors (spiderpool-api.test.ts covers Spiderpool's client).
const headers = { 'content-type': 'application/json', [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS }
const post = (app: ReturnType<typeof createAllocateApp>, body: unknown) => app.request('/v1/ipam/ip', { method: 'POST', body: JSON.stringify(body), headers })
const del = (app: ReturnType<typeof createReleaseApp>, body: unknown) => app.request('/v1/ipam/ip', { method: 'DELETE', body: JSON.stringify(body), headers })
const records = (store: MemoryStore, name: string) => parseAllocatedIPs(store.pools.get(name)?.status.allocatedIPs, name)

describe('POST /v1/ipam/ip', () => {
  it('gives each zone its own subnet (the seed scenario) with the gateway as default route', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('test-app-j9ftl', 'controller-node-1')
    const b = pod('test-app-nkq5h', 'worker-node-1')
    store.putPod(a)
    store.putPod(b)
    const ra = await post(app, addRequest(a))
    const rb = await post(app, addRequest(b))
    expect(ra.status).toBe(200)
    expect(await bodyOf(ra)).toEqual({
      ips: [{ version: 4, address: '10.6.168.61/16', nic: 'eth0', ipPool: 'test-ippool-6', gateway: '10.6.0.1' }],
      routes: [{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '10.6.0.1' }],
    })
    expect((await bodyOf(rb)).ips[0].address).toBe('10.7.168.61/16')
    for (const zone of [6, 7]) {
      const status = store.pools.get(`test-ippool-${zone}`)?.status
      expect(status?.allocatedIPCount).toBe(1)
      expect(status?.totalIPCount).toBe(10)
    }
    const endpoint = store.endpoints.get('default/test-app-j9ftl')
    expect(endpoint?.status.current).toMatchObject({ uid: a.uid, node: 'controller-node-1' })
    expect(endpoint?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Pod', uid: a.uid })
  })

  it('reads again from etcd what the watch cache does not know yet: a new pool, a new incarnation', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('test-app-j9ftl', 'controller-node-1')
    store.putPod(a)
    // The cache lags: it has the pod's previous incarnation and none of the pools yet.
    const [getPod, getPool] = [store.getPod, store.getPool]
    store.getPod = async (ns, name, freshness) => (freshness === 'cached' ? { ...a, uid: 'previous' } : getPod(ns, name))
    store.getPool = async (name, freshness) => (freshness === 'cached' ? undefined : getPool(name))
    const answer = await post(app, addRequest(a))
    expect(answer.status).toBe(200)
    expect((await bodyOf(answer)).ips[0].address).toBe('10.6.168.61/16')
  })

  it('answers a retried ADD with the same address and writes nothing', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('a', 'controller-node-1')
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a)))
    const writes = store.writes
    expect(await bodyOf(await post(app, addRequest(a)))).toEqual(first)
    expect(store.writes).toBe(writes)
  })

  it("answers an allocation the endpoint records as recorded: a pool's new routes are for new pods (Spiderpool D00002)", async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('a', 'controller-node-1')
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a)))
    const pool = store.pools.get('test-ippool-6')!
    store.putPool({ ...pool, spec: { ...pool.spec, routes: [{ dst: '172.16.0.0/16', gw: '10.6.0.254' }] } })
    expect(await (await post(app, { ...addRequest(a), containerID: 'next-sandbox' })).json()).toEqual(first)
    expect(store.endpoints.get('default/a')?.status.current.ips[0]?.routes).toBeUndefined()
    const b = pod('b', 'controller-node-1')
    store.putPod(b)
    expect((await bodyOf(await post(app, addRequest(b)))).routes).toContainEqual({ ifName: 'eth0', dst: '172.16.0.0/16', gw: '10.6.0.254' })
  })

  it("multi-NIC: a NIC whose pool is used out takes nothing from the other NICs' pools (Spiderpool A00016)", async () => {
    const store = seedStore()
    store.putPool(ipPool('tiny', { subnet: '10.8.0.0/24', ips: ['10.8.0.2'] }))
    const app = createAllocateApp(depsFor(store))
    const annotations = { 'ipam.spidernet.io/ippools': '[{"interface":"eth0","ipv4":["test-ippool-6"]},{"interface":"net1","ipv4":["tiny"]}]' }
    const [a, b] = [pod('a', 'controller-node-1', { annotations }), pod('b', 'controller-node-1', { annotations })]
    store.putPod(a)
    store.putPod(b)
    expect((await post(app, addRequest(a))).status).toBe(200)
    const refused = await post(app, addRequest(b))
    expect([refused.status, (await bodyOf(refused)).message]).toEqual([
      409,
      'failed to allocate IPv4 IP to net1 from IPPools [tiny]: all IP addresses used out',
    ])
    expect(Object.values(records(store, 'test-ippool-6')).map((r) => r.pod)).toEqual(['default/a'])
  })

  it('refuses a malformed body naming the field, and writes nothing', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const bad = await post(app, { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: 'x' })
    expect(bad.status).toBe(400)
    expect((await bodyOf(bad)).message).toMatch(/podUID/)
    const garbage = await app.request('/v1/ipam/ip', { method: 'POST', body: '{nope', headers })
    expect(garbage.status).toBe(400)
    expect(store.writes).toBe(0)
  })

  // Found by the fuzzer: a 10,000-deep JSON annotation overflowed the stack and was answered 500
  // (code try-again: the runtime would have retried it forever).
  it('refuses an annotation nested thousands deep with 400 naming it, and writes nothing', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
    for (const key of ['ipam.spidernet.io/ippool', 'ipam.spidernet.io/ippools', 'ipam.spidernet.io/routes']) {
      const a = pod(`deep-${key.split('/')[1]}`, 'controller-node-1', {
        annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["test-ippool-6"]}', [key]: deep },
      })
      store.putPod(a)
      const answer = await post(app, addRequest(a))
      expect(answer.status).toBe(400)
      expect(await bodyOf(answer)).toEqual({ code: 'invalid-annotation', message: `invalid annotation ${key}: nested deeper than 16 levels` })
    }
    expect(store.writes).toBe(0)
  })

  // Found by the fuzzer: a route whose dst was no CIDR was recorded in the SpiderEndpoint and
  // answered; the plugin then failed every ADD of the pod with "route destination is not a CIDR".
  it('refuses an annotation route that is not a CIDR via an IP, and writes nothing', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('routed', 'controller-node-1', {
      annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["test-ippool-6"]}', 'ipam.spidernet.io/routes': '[{"dst":"198.18.200.0","gw":"10.6.0.1"}]' },
    })
    store.putPod(a)
    const answer = await post(app, addRequest(a))
    expect(answer.status).toBe(400)
    expect(await bodyOf(answer)).toEqual({
      code: 'invalid-annotation',
      message: "invalid annotation ipam.spidernet.io/routes: invalid route format 'dst: 198.18.200.0, gw: 10.6.0.1'",
    })
    expect(store.writes).toBe(0)
  })

  it('refuses unknown, replaced and dead pods', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    const a = pod('a', 'controller-node-1')
    expect((await post(app, addRequest(a))).status).toBe(404)
    store.putPod(a)
    expect((await post(app, { ...addRequest(a), podUID: 'other' })).status).toBe(404)
    store.putPod({ ...a, deletionTimestamp: '2026-01-01T00:00:00Z' })
    const dead = await post(app, addRequest(a))
    expect(dead.status).toBe(410)
    expect((await bodyOf(dead)).code).toBe('pod-dead')
    expect(store.writes).toBe(0)
  })

  it('says why no pool fits, and writes nothing', async () => {
    const store = seedStore()
    store.putNode({ name: 'elsewhere', labels: {}, ready: true })
    const app = createAllocateApp(depsFor(store))
    const a = pod('a', 'elsewhere')
    store.putPod(a)
    const r = await post(app, addRequest(a))
    expect(r.status).toBe(409)
    expect((await bodyOf(r)).message).toBe(
      'no IPPool available, all IPv4 IPPools [test-ippool-6 test-ippool-7] of eth0 filtered out: ' +
        '[unmatched Node affinity of IPPool test-ippool-6, unmatched Node affinity of IPPool test-ippool-7]',
    )
    expect(store.writes).toBe(0)
  })

  it('reports used out when every candidate is full', async () => {
    const store = seedStore()
    const app = createAllocateApp(depsFor(store))
    for (let i = 0; i < 10; i++) {
      const p = pod(`p${i}`, 'controller-node-1')
      store.putPod(p)
      expect((await post(app, addRequest(p))).status).toBe(200)
    }
    const late = pod('late', 'controller-node-1')
    store.putPod(late)
    const r = await post(app, addRequest(late))
    expect(r.status).toBe(409)
    expect((await bodyOf(r)).message).toMatch(/all IP addresses used out/)
  })

  // Found by the fuzzer: IPv4 refused at once while IPv6 was still being taken; the roll-back
  // ran before the IPv6 address was recorded as taken, and the refused pod kept it.
  it('dual stack: when IPv4 is used out, the IPv6 address taken meanwhile is released again', async () => {
    const store = seedStore()
    store.putPool(ipPool('full-v4', { subnet: '198.18.13.0/24', ips: ['198.18.13.10'] }))
    store.putPool(ipPool('v6', { subnet: 'fd00:6::/64', ips: ['fd00:6::10-fd00:6::20'] }))
    const app = createAllocateApp(depsFor(store))
    const holder = pod('holder', 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["full-v4"]}' } })
    const late = pod('late', 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["full-v4"],"ipv6":["v6"]}' } })
    store.putPod(holder)
    store.putPod(late)
    expect((await post(app, addRequest(holder))).status).toBe(200)
    const r = await post(app, addRequest(late))
    expect(r.status).toBe(409)
    expect((await bodyOf(r)).message).toMatch(/IPPools \[full-v4\]: all IP addresses used out/)
    expect(records(store, 'v6')).toEqual({})
    expect(store.pools.get('v6')?.status.allocatedIPCount ?? 0).toBe(0)
    expect(store.endpoints.has('default/late')).toBe(false)
  })

  it('dual stack: when IPv6 is used out, the IPv4 address taken is released again', async () => {
    const store = seedStore()
    store.putPool(ipPool('v6', { subnet: 'fd00:6::/64', ips: ['fd00:6::10'] }))
    const app = createAllocateApp(depsFor(store))
    const annotations = { 'ipam.spidernet.io/ippool': '{"ipv4":["test-ippool-6"],"ipv6":["v6"]}' }
    const a = pod('a', 'controller-node-1', { annotations })
    const b = pod('b', 'controller-node-1', { annotations })
    store.putPod(a)
    store.putPod(b)
    const ok = await bodyOf(await post(app, addRequest(a)))
    expect(ok.ips.map((ip: { address: string }) => ip.address)).toEqual(['10.6.168.61/16', 'fd00:6::10/64'])
    expect((await post(app, addRequest(b))).status).toBe(409)
    expect(Object.keys(records(store, 'test-ippool-6'))).toEqual(['10.6.168.61'])
    expect(store.endpoints.has('default/b')).toBe(false)
  })

  it('multi-NIC: the first ADD takes every NIC of ippools, the second is answered from the endpoint', async () => {
    const store = seedStore()
    store.putPool(ipPool('net1-pool', { subnet: '10.8.0.0/24', ips: ['10.8.0.2-10.8.0.9'] }))
    const app = createAllocateApp(depsFor(store))
    const a = pod('a', 'controller-node-1', {
      annotations: {
        'ipam.spidernet.io/ippools': '[{"interface":"eth0","ipv4":["test-ippool-6"]},{"interface":"net1","ipv4":["net1-pool"],"cleangateway":true}]',
      },
    })
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a, 'eth0')))
    expect(first.ips.map((i: { nic: string }) => i.nic)).toEqual(['eth0', 'net1'])
    const writes = store.writes
    expect(await bodyOf(await post(app, addRequest(a, 'net1')))).toEqual(first)
    expect(store.writes).toBe(writes)
  })

  it('unnamed ippools entries go by call order: the first ADD takes all, each later NIC claims the next', async () => {
    const store = seedStore()
    store.putPool(ipPool('net1-pool', { subnet: '10.8.0.0/24', ips: ['10.8.0.2-10.8.0.9'] }))
    store.putPool(ipPool('net2-pool', { subnet: '10.9.0.0/24', ips: ['10.9.0.2-10.9.0.9'] }))
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const release = createReleaseApp(deps)
    const a = pod('a', 'controller-node-1', {
      annotations: { 'ipam.spidernet.io/ippools': '[{"ipv4":["test-ippool-6"]},{"ipv4":["net1-pool"]},{"ipv4":["net2-pool"]}]' },
    })
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a, 'eth0')))
    expect(first.ips.map((i: { nic: string; address: string }) => [i.nic, i.address])).toEqual([
      ['eth0', '10.6.168.61/16'],
      ['', '10.8.0.2/24'],
      ['', '10.9.0.2/24'],
    ])
    const interfaces = () => store.endpoints.get('default/a')?.status.current.ips.map((d) => d.interface)
    expect(interfaces()).toEqual(['eth0', '', ''])
    // Multus names the NICs after the pod's networks, here eth1 then eth2: whatever comes next claims.
    const eth1 = await bodyOf(await post(app, addRequest(a, 'eth1')))
    expect(eth1.ips.filter((i: { nic: string }) => i.nic === 'eth1').map((i: { address: string }) => i.address)).toEqual(['10.8.0.2/24'])
    expect(interfaces()).toEqual(['eth0', 'eth1', ''])
    const writes = store.writes
    expect(await bodyOf(await post(app, addRequest(a, 'eth1')))).toEqual(eth1)
    expect(store.writes).toBe(writes)
    await post(app, addRequest(a, 'eth2'))
    const extra = await post(app, addRequest(a, 'eth3'))
    expect(extra.status).toBe(400)
    expect((await bodyOf(extra)).message).toBe(
      'invalid annotation ipam.spidernet.io/ippools: interface eth3 has no entry: its 3 unnamed entries are taken by eth0, eth1, eth2',
    )
    store.putPod({ ...a, deletionTimestamp: '2026-01-01T00:00:00Z' })
    expect(await (await del(release, addRequest(a, 'eth1'))).json()).toEqual({ released: ['10.8.0.2'], kept: false })
    expect(interfaces()).toEqual(['eth0', 'eth2'])
  })

  it('unnamed ippools entries nobody claimed go with the last claimed NIC', async () => {
    const store = seedStore()
    store.putPool(ipPool('net1-pool', { subnet: '10.8.0.0/24', ips: ['10.8.0.2-10.8.0.9'] }))
    const deps = depsFor(store)
    const a = pod('a', 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippools': '[{"ipv4":["test-ippool-6"]},{"ipv4":["net1-pool"]}]' } })
    store.putPod(a)
    await post(createAllocateApp(deps), addRequest(a, 'eth0'))
    store.putPod({ ...a, deletionTimestamp: '2026-01-01T00:00:00Z' })
    const released = await (await del(createReleaseApp(deps), addRequest(a, 'eth0'))).json()
    expect(released).toEqual({ released: ['10.6.168.61', '10.8.0.2'], kept: false })
    expect(store.endpoints.has('default/a')).toBe(false)
  })

  it('multi-NIC from one pool: each NIC its own address, though the records do not name NICs', async () => {
    const store = seedStore()
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const release = createReleaseApp(deps)
    const a = pod('a', 'controller-node-1', {
      annotations: {
        'ipam.spidernet.io/ippools': '[{"interface":"eth0","ipv4":["test-ippool-6"]},{"interface":"net1","ipv4":["test-ippool-6"],"cleangateway":true}]',
      },
    })
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a, 'eth0')))
    const byNic = Object.fromEntries(first.ips.map((i: { nic: string; address: string }) => [i.nic, i.address]))
    expect(byNic).toEqual({ eth0: '10.6.168.61/16', net1: '10.6.168.62/16' })
    expect(records(store, 'test-ippool-6')['10.6.168.62']).toEqual({ pod: 'default/a', podUid: a.uid })
    const writes = store.writes
    expect(await bodyOf(await post(app, addRequest(a, 'net1')))).toEqual(first)
    expect(store.writes).toBe(writes)
    // Releasing one NIC leaves the other's address, which the pool record alone could not tell apart.
    store.putPod({ ...a, deletionTimestamp: '2026-01-01T00:00:00Z' })
    expect(await (await del(release, addRequest(a, 'net1'))).json()).toEqual({ released: ['10.6.168.62'], kept: false })
    expect(Object.keys(records(store, 'test-ippool-6'))).toEqual(['10.6.168.61'])
  })

  it('gives a StatefulSet pod its predecessor address back while its ordinal is wanted', async () => {
    const store = seedStore()
    store.putController({ kind: 'StatefulSet', namespace: 'default', name: 'db', uid: 's1', ownerReferences: [], replicas: 2 })
    const owner = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 's1', controller: true }]
    const app = createAllocateApp(depsFor(store))
    const release = createReleaseApp(depsFor(store))
    const filler = pod('filler', 'controller-node-1')
    const old = pod('db-1', 'controller-node-1', { ownerReferences: owner })
    store.putPod(old)
    const before = (await bodyOf(await post(app, addRequest(old)))).ips[0].address
    expect(store.endpoints.get('default/db-1')?.metadata.ownerReferences).toEqual([])
    // CNI DEL of a wanted StatefulSet pod keeps its address, even once the pod is going.
    store.putPod({ ...old, deletionTimestamp: '2026-01-01T00:00:00Z' })
    expect(await (await del(release, addRequest(old))).json()).toEqual({ released: [], kept: true })
    store.putPod(filler)
    await post(app, addRequest(filler))
    const next = pod('db-1', 'controller-node-1', { ownerReferences: owner })
    store.putPod(next)
    expect((await bodyOf(await post(app, addRequest(next)))).ips[0].address).toBe(before)
    expect(records(store, 'test-ippool-6')[before.replace(/\/.*/, '')]?.podUid).toBe(next.uid)
  })
})

describe('DELETE /v1/ipam/ip', () => {
  it('keeps the addresses of a pod that lives on for its next sandbox, as Spiderpool does', async () => {
    const store = seedStore()
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const release = createReleaseApp(deps)
    const a = pod('a', 'controller-node-1')
    store.putPod(a)
    const first = await bodyOf(await post(app, addRequest(a)))
    expect(await (await del(release, addRequest(a))).json()).toEqual({ released: [], kept: true })
    // The runtime restarts the sandbox: a new container, the same pod, the same address.
    const again = await post(app, { ...addRequest(a), containerID: 'ctr-new-sandbox' })
    expect(await bodyOf(again)).toEqual(first)
    // Finished for good: the next DEL releases.
    store.putPod({ ...a, phase: 'Failed', reason: 'Evicted' })
    expect(await (await del(release, addRequest(a))).json()).toEqual({ released: ['10.6.168.61'], kept: false })
  })

  it('releases only with a matching UID, is idempotent, and succeeds for unknown pods', async () => {
    const store = seedStore()
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const release = createReleaseApp(deps)
    const a = pod('a', 'controller-node-1')
    store.putPod(a)
    await post(app, addRequest(a))
    const stale = await del(release, { ...addRequest(a), podUID: 'old-incarnation' })
    expect(await bodyOf(stale)).toEqual({ released: [], kept: false })
    expect(Object.keys(records(store, 'test-ippool-6'))).toHaveLength(1)
    store.putPod({ ...a, deletionTimestamp: '2026-01-01T00:00:00Z' })
    expect(await (await del(release, addRequest(a))).json()).toEqual({ released: ['10.6.168.61'], kept: false })
    expect(store.pools.get('test-ippool-6')?.status.allocatedIPCount).toBe(0)
    expect(store.endpoints.has('default/a')).toBe(false)
    expect((await del(release, addRequest(a))).status).toBe(200)
    expect((await del(release, addRequest(pod('ghost', 'nowhere')))).status).toBe(200)
  })
})

describe('group commit', () => {
  it('decides concurrent requests for one pool in few writes, never twice the same IP', async () => {
    const store = seedStore()
    store.putPool(ipPool('big', { subnet: '10.9.0.0/16', ips: ['10.9.0.1-10.9.0.200'] }))
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const pods = Array.from({ length: 100 }, (_, i) => pod(`g${i}`, 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["big"]}' } }))
    pods.forEach((p) => store.putPod(p))
    const answers = await Promise.all(pods.map(async (p) => bodyOf(await post(app, addRequest(p)))))
    const ips = answers.map((a) => a.ips[0].address)
    expect(new Set(ips).size).toBe(100)
    expect(store.pools.get('big')?.status.allocatedIPCount).toBe(100)
    expect(deps.poolWriter.metrics.writes).toBeLessThan(10)
  })
})
