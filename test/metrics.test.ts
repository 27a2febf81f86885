// What an operator sees, against the real service and API server: every metric the README names
// is served with HELP and TYPE and the value the test caused; a failed allocation leaves an Event
// on its pod with the plugin's text; the leader's scan collects a record no node scan covers and
// says so on the pool; every request is one log line.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { GROUP, PLURAL, VERSION } from '../shared/api/index.ts'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  kubeConfig,
  poolRecords,
  readPool,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { parseExposition, readmeMetrics, sample, type Scrape } from './support/metrics.ts'
import { ipamBodyFor, ipamCall, startService, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const ns = unique('metrics')
const node = `${ns}-node`
const other = `${ns}-other`
const pool = `${ns}-pool`
const subnet = `${ns}-subnet`
let service: RunningService

const scrape = async (): Promise<Scrape> => {
  const port = /"msg":"metrics listening".*?"port":(\d+)/.exec(service.output())?.[1]
  if (!port) throw new Error(`the service did not say where its metrics are:\n${service.output()}`)
  return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
}

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, ns)
  await createNode(kc, node, {})
  await createNode(kc, other, {})
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL.subnet,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SpiderSubnet',
      metadata: { name: subnet },
      spec: { subnet: '198.19.0.0/16', ips: ['198.19.1.1-198.19.1.10'] },
    },
  })
  await createPool(kc, pool, { subnet: '198.19.0.0/16', ips: ['198.19.1.1-198.19.1.3'] })
  // The periodic scans are an hour away: what is collected here, pod events ask for.
  service = await startService({ NODE_NAME: node, RESYNC_SECONDS: '3600', LOG_LEVEL: 'debug' })
}, 120_000)

afterAll(async () => {
  await service?.stop()
  await cleanUp(kc, { namespace: ns, pools: [pool], nodes: [node, other] })
  await deleteClusterObjects(kc, PLURAL.subnet, [subnet])
})

const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
const bodyFor = (pod: k8s.V1Pod) => ipamBodyFor(pod, ns)

describe('operations', () => {
  it('counts, logs and reports what happens', async () => {
    const before = await scrape()
    const [a, b, c, full, lost] = await Promise.all(
      ['a', 'b', 'c', 'full', 'lost'].map((name) =>
        createPod(kc, {
          namespace: ns,
          name,
          // c runs on another node: this service's node scan never judges its records.
          nodeName: name === 'c' ? other : node,
          annotations: name === 'lost' ? { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [`${ns}-missing`] }) } : annotations,
        }),
      ),
    )
    for (const pod of [a!, b!, c!]) expect((await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(pod))).status).toBe(200)
    const used = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(full!))
    expect(used.body.code).toBe('ip-used-out')
    const missing = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(lost!))
    expect(missing.body.code).toBe('no-pool')
    await terminatePod(kc, ns, 'a')
    expect((await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(a!))).status).toBe(200)
    expect((await ipamCall(service.socket, 'GET', `/v1/ipam/ip?podNamespace=${ns}&podName=b&podUID=${b!.metadata!.uid}&ifName=eth0`)).status).toBe(200)
    // c goes without a DEL; its endpoint places it on another node: only the leader collects it.
    await core.deleteNamespacedPod({ namespace: ns, name: 'c', gracePeriodSeconds: 0 })
    await vi.waitFor(async () => expect(Object.values(poolRecords(await readPool(kc, pool))).map((r) => r.pod)).toEqual([`${ns}/b`]), {
      timeout: 20_000,
      interval: 250,
    })

    // The Events: on the pod, the text the plugin got; on the pool, what the leader released.
    await vi.waitFor(
      async () => {
        const onPod = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=full' })
        expect(onPod.items.map((e) => [e.type, e.reason, e.message, e.source?.component])).toEqual([
          ['Warning', 'IPAllocationFailed', used.body.message, 'spinneret'],
        ])
        const onPool = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${pool}` })
        expect(onPool.items.map((e) => [e.reason, e.involvedObject.kind])).toEqual([['LeakedIPsReleased', 'SpiderIPPool']])
        expect(onPool.items[0]?.message).toMatch(new RegExp(`released 1 leaked IP\\(s\\): 198\\.19\\.1\\.\\d \\(pod ${ns}/c no longer exists\\)`))
      },
      { timeout: 10_000, interval: 250 },
    )
    const missingEvent = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=lost' })
    expect(missingEvent.items[0]?.message).toContain(`${ns}-missing`)

    // The metrics: every one the README names, with HELP and TYPE, and the values caused here.
    const after = await vi.waitFor(
      async () => {
        const s = await scrape()
        expect(sample(s, 'spiderpool_debug_ippool_available_ip_counts', { SpiderIPPool: pool })).toBe(2)
        // The leader counts its scan once the scan is over, a moment after the release it made.
        expect([...s.samples.keys()].some((k) => k.startsWith('spinneret_leak_scans_total{'))).toBe(true)
        return s
      },
      { timeout: 10_000, interval: 250 },
    )
    for (const { name, type, labels } of readmeMetrics()) {
      expect(after.helps.has(name), `HELP of ${name}`).toBe(true)
      expect(after.types.get(name), `TYPE of ${name}`).toBe(type)
      const own = [...after.samples.keys()].filter((k) => k === name || k.startsWith(`${name}{`) || k.startsWith(`${name}_`))
      expect(own.length, `samples of ${name}`).toBeGreaterThan(0)
      for (const label of labels)
        expect(
          own.some((k) => k.includes(`${label}="`)),
          `label ${label} of ${name}`,
        ).toBe(true)
    }
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(sample(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0)
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0)
    expect(delta('spiderpool_ipam_allocation_counts_total')).toBe(5)
    expect(delta('spiderpool_ipam_allocation_failure_counts_total')).toBe(2)
    expect(delta('spiderpool_ipam_allocation_err_ip_used_out_counts_total')).toBe(1)
    expect(delta('spiderpool_ipam_allocation_err_no_available_pool_counts_total')).toBe(1)
    expect(delta('spiderpool_ipam_allocation_err_internal_counts_total')).toBe(0)
    expect(delta('spiderpool_ipam_allocation_duration_seconds_count')).toBe(5)
    expect(delta('spiderpool_ipam_release_counts_total')).toBe(1)
    expect(delta('spiderpool_ipam_release_failure_counts_total')).toBe(0)
    expect(delta('spiderpool_ipam_release_duration_seconds_count')).toBe(1)
    expect(delta('spinneret_ipam_requests_total', { verb: 'ADD', code: 'ok' })).toBe(3)
    expect(delta('spinneret_ipam_requests_total', { verb: 'ADD', code: 'ip-used-out' })).toBe(1)
    expect(delta('spinneret_ipam_requests_total', { verb: 'DEL', code: 'ok' })).toBe(1)
    expect(delta('spinneret_ipam_requests_total', { verb: 'CHECK', code: 'ok' })).toBe(1)
    expect(delta('spiderpool_ip_gc_counts_total')).toBe(1)
    expect(delta('spinneret_leak_scans_total', { scope: 'cluster', outcome: 'ok' })).toBeGreaterThanOrEqual(1)
    expect(delta('spinneret_events_total', { reason: 'IPAllocationFailed', outcome: 'written' })).toBe(2)
    expect(delta('spinneret_events_total', { reason: 'LeakedIPsReleased', outcome: 'written' })).toBe(1)
    expect(sample(after, 'spiderpool_debug_ippool_total_ip_counts', { SpiderIPPool: pool })).toBe(3)
    const subnetStatus = (
      (await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.subnet, name: subnet })) as {
        status: { totalIPCount: number; allocatedIPCount?: number }
      }
    ).status
    expect(sample(after, 'spiderpool_debug_subnet_total_ip_counts', { SpiderSubnet: subnet })).toBe(subnetStatus.totalIPCount)
    expect(sample(after, 'spiderpool_debug_subnet_available_ip_counts', { SpiderSubnet: subnet })).toBe(
      subnetStatus.totalIPCount - (subnetStatus.allocatedIPCount ?? 0),
    )
    expect(sample(after, 'spiderpool_debug_subnet_ippool_counts', { SpiderSubnet: subnet })).toBe(1)
    expect(sample(after, 'spinneret_ready')).toBe(1)
    expect(sample(after, 'spinneret_leader')).toBe(1)
    // Three allocations that each wrote the pool alone, or fewer rounds carrying more.
    expect(delta('spinneret_pool_writer_batch_size_sum')).toBeGreaterThanOrEqual(5)

    // One line per request: at info for failures, at debug for successes, with what it did.
    const lines = service
      .output()
      .split('\n')
      .filter((l) => l.includes('"function":"ipam"'))
      .map((l) => JSON.parse(l))
    expect(lines.find((l) => l.pod === `${ns}/full`)).toMatchObject({
      level: 'info',
      msg: 'ADD failed',
      containerID: `c-${full!.metadata!.uid}`,
      nic: 'eth0',
      outcome: 'ip-used-out',
      pools: [`${pool}: all IP addresses used out`],
      status: 409,
    })
    expect(lines.find((l) => l.pod === `${ns}/b` && l.verb === 'ADD')).toMatchObject({
      level: 'debug',
      msg: 'ADD done',
      outcome: 'ok',
      pools: [expect.stringMatching(new RegExp(`^${pool}: assigned 198\\.19\\.1\\.\\d$`))],
      ips: [expect.stringMatching(/^eth0 198\.19\.1\.\d\/16$/)],
    })
    expect(lines.find((l) => l.pod === `${ns}/a` && l.verb === 'DEL')).toMatchObject({
      level: 'debug',
      msg: 'DEL done',
      ips: [expect.stringMatching(/^198\.19\.1\.\d$/)],
    })
    expect(typeof lines[0]?.durationMs).toBe('number')
  })
})
