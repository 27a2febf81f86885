// The IPAM API served by the real service process against the real API server.
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  inParallel,
  kubeConfig,
  poolRecords,
  readPool,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { ipamCall, startService, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const services: RunningService[] = []

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  services.push(await startService(), await startService())
}, 120_000)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
})

const addBody = (pod: { metadata?: { namespace?: string; name?: string; uid?: string } }, ifName = 'eth0') => ({
  containerID: `ctr-${pod.metadata?.uid}`,
  ifName,
  netNamespace: '/var/run/netns/x',
  podNamespace: pod.metadata?.namespace,
  podName: pod.metadata?.name,
  podUID: pod.metadata?.uid,
})

describe('seed scenario', () => {
  it('gives each zone its subnet, and kubectl shows one allocation of ten per pool', async () => {
    // Earlier runs against a kept control plane may have left records: start from fresh pools.
    await deleteClusterObjects(kc, 'spiderippools', ['test-ippool-6', 'test-ippool-7'])
    await applyManifests(kc, 'manifests/examples/seed')
    const annotations = { 'ipam.spidernet.io/ippool': '{"ipv4": ["test-ippool-6", "test-ippool-7"]}' }
    const a = await createPod(kc, { name: unique('test-app'), nodeName: 'controller-node-1', annotations })
    const b = await createPod(kc, { name: unique('test-app'), nodeName: 'worker-node-1', annotations })
    const [ra, rb] = await Promise.all([
      ipamCall(services[0]!.socket, 'POST', '/v1/ipam/ip', addBody(a)),
      ipamCall(services[1]!.socket, 'POST', '/v1/ipam/ip', addBody(b)),
    ])
    expect(ra.status, JSON.stringify(ra.body)).toBe(200)
    expect(rb.status, JSON.stringify(rb.body)).toBe(200)
    expect(ra.body.ips[0].address).toMatch(/^10\.6\.168\.6\d\/16$/)
    expect(rb.body.ips[0].address).toMatch(/^10\.7\.168\.6\d\/16$/)
    expect(ra.body.routes).toEqual([{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '10.6.0.1' }])

    const table = execFileSync('kubectl', ['get', 'spiderippool', 'test-ippool-6', 'test-ippool-7'], { encoding: 'utf8' })
    expect(table.split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
      ['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT', 'DEFAULT', 'DISABLE'],
      ['test-ippool-6', '4', '10.6.0.0/16', '1', '10', 'false', 'false'],
      ['test-ippool-7', '4', '10.7.0.0/16', '1', '10', 'false', 'false'],
      [''],
    ])

    // CNI ADD is retried: same pod, same answer. A DEL while the pod lives on keeps its address
    // (Spiderpool's rule: the pod's next sandbox gets it back).
    expect((await ipamCall(services[1]!.socket, 'POST', '/v1/ipam/ip', addBody(a))).body).toEqual(ra.body)
    expect((await ipamCall(services[0]!.socket, 'DELETE', '/v1/ipam/ip', addBody(a))).body).toEqual({ released: [], kept: true })
    expect((await readPool(kc, 'test-ippool-6')).status.allocatedIPCount).toBe(1)
    // Once the pods are terminating, DEL releases; twice is fine; the pools are empty.
    for (const pod of [a, b]) {
      await terminatePod(kc, 'default', pod.metadata?.name ?? '')
      for (let i = 0; i < 2; i++) expect((await ipamCall(services[0]!.socket, 'DELETE', '/v1/ipam/ip', addBody(pod))).status).toBe(200)
    }
    for (const name of ['test-ippool-6', 'test-ippool-7']) {
      expect((await readPool(kc, name)).status.allocatedIPCount).toBe(0)
    }
  })
})

describe('bad input', () => {
  it('refuses a malformed body and an unknown pod, naming what is wrong', async () => {
    const socket = services[0]!.socket
    const missing = await ipamCall(socket, 'POST', '/v1/ipam/ip', { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: 'x' })
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual({ code: 'invalid-request', message: 'invalid request body: podUID: required' })
    const ghost = await ipamCall(socket, 'POST', '/v1/ipam/ip', { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: 'ghost', podUID: 'u' })
    expect(ghost.status).toBe(404)
    expect(ghost.body).toEqual({ code: 'not-found', message: 'pod default/ghost not found' })
  })

  it("answers Spiderpool's plugin (empty Host header) in the shape of Spiderpool's agent API", async () => {
    const socket = services[0]!.socket
    expect((await ipamCall(socket, 'GET', '/v1/ipam/healthy', undefined, { as: 'spiderpool' })).status).toBe(200)
    const body = { containerID: 'c', ifName: 'eth0', netNamespace: '/x', podNamespace: 'default', podName: 'ghost', podUID: 'u', defaultIPv4IPPool: null }
    const ghost = await ipamCall(socket, 'POST', '/v1/ipam/ip', body, { as: 'spiderpool' })
    expect([ghost.status, ghost.body]).toEqual([500, 'pod default/ghost not found'])
  })
})

describe('two service processes under contention', () => {
  it('400 concurrent allocations over two pools of 200: one IP each, none twice; the 401st is used out; release empties both', async () => {
    const zone = unique('zone')
    const ns = unique('contention')
    await createNamespace(kc, ns)
    await createNode(kc, `${zone}-node`, { zone })
    const pools = [unique('pool-a'), unique('pool-b')]
    await createPool(kc, pools[0]!, { subnet: '198.18.0.0/16', ips: ['198.18.1.1-198.18.1.200'], nodeAffinity: { matchLabels: { zone } } })
    await createPool(kc, pools[1]!, { subnet: '198.19.0.0/16', ips: ['198.19.1.1-198.19.1.200'], nodeAffinity: { matchLabels: { zone } } })
    const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: pools }) }
    const pods = await inParallel(
      Array.from({ length: 401 }, (_, i) => i),
      25,
      (i) => createPod(kc, { namespace: ns, name: `p-${i}`, nodeName: `${zone}-node`, annotations }),
    )
    const first400 = pods.slice(0, 400)
    const answers = await Promise.all(first400.map((pod, i) => ipamCall(services[i % 2]!.socket, 'POST', '/v1/ipam/ip', addBody(pod))))
    const failures = answers.filter((a) => a.status !== 200)
    expect(failures.map((f) => f.body)).toEqual([])
    const ips = answers.map((a) => a.body.ips[0].address)
    expect(new Set(ips).size).toBe(400)

    const late = await ipamCall(services[0]!.socket, 'POST', '/v1/ipam/ip', addBody(pods[400]!))
    expect(late.status).toBe(409)
    expect(late.body.message).toMatch(/all IP addresses used out/)

    for (const name of pools) {
      const pool = await readPool(kc, name)
      expect(Object.keys(poolRecords(pool))).toHaveLength(200)
      expect(pool.status.allocatedIPCount).toBe(200)
    }
    const byUid = new Map(first400.map((p, i) => [p.metadata?.uid, ips[i]]))
    for (const name of pools) {
      for (const [ip, record] of Object.entries(poolRecords(await readPool(kc, name)))) {
        expect(byUid.get(record.podUid)).toBe(`${ip}/16`)
      }
    }

    await inParallel(first400, 25, (pod) => terminatePod(kc, ns, pod.metadata?.name ?? ''))
    const released = await Promise.all(first400.map((pod, i) => ipamCall(services[i % 2]!.socket, 'DELETE', '/v1/ipam/ip', addBody(pod))))
    expect(released.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([])
    for (const name of pools) {
      const pool = await readPool(kc, name)
      expect(pool.status.allocatedIPCount).toBe(0)
      expect(pool.status.allocatedIPs).toBeUndefined()
    }
    await cleanUp(kc, { namespace: ns, pools, nodes: [`${zone}-node`] })
  }, 180_000)
})
