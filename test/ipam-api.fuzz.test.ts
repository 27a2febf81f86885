// The running service (its bundle, on its unix socket) against the real API server, fuzzed with
// pod and namespace annotations and with request bodies. Properties: never a 500; a refusal has a
// known code and a message (naming the annotation at fault); a refusal writes nothing: the
// pools and SpiderEndpoints keep their resourceVersions (or, for a pool refusal that came after
// an address of another family was taken and released again, their records and counts); an
// allocation answers addresses of the pools it names, and its release leaves no record behind.
import * as k8s from '@kubernetes/client-node'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { namespaceAnnotationsArb, podAnnotationsArb } from '../shared/annotations/fuzz-arbitraries.testkit.ts'
import { GROUP, PLURAL, VERSION, parseAllocatedIPs, parseSpiderIPPool } from '../shared/api/index.ts'
import type { IpamErrorCode } from '../shared/errors.ts'
import { cidrContainsIp, parseCidr, tryParseIp } from '../shared/ip/index.ts'
import { KubeStore } from '../shared/kube/kube-store.ts'
import { ipamRequestArb, type FuzzRequest, type PodRef } from '../functions/lib/fuzz-requests.testkit.ts'
import { STATUS_OF } from '../functions/lib/http-errors.ts'
import { applyManifests, terminatePod, cleanUp, createNamespace, createNode, createPod, createPool, kubeConfig, unique } from './support/cluster.ts'
import { FUZZ_TIMEOUT_MS, fuzz } from './support/fuzz.ts'
import { ipamCall, ipamRequest, startService, type IpamAnswer, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const store = KubeStore.fromKubeConfig(kc)
const run = unique('fuzz')
const ns = run
const node = `${run}-node`
// Addresses of this run: a /24 picked at random in 198.18.0.0/15, so no earlier run's pools
// (whose claims may linger) overlap.
const octet = 20 + Math.floor(Math.random() * 200)
const v6group = Math.floor(Math.random() * 0xffff).toString(16)
const POOLS = {
  a: {
    name: `${run}-a`,
    spec: {
      subnet: `198.18.${octet}.0/26`,
      ips: [`198.18.${octet}.10-198.18.${octet}.20`],
      gateway: `198.18.${octet}.1`,
      nodeAffinity: { matchLabels: { zone: run } },
    },
  },
  b: {
    name: `${run}-b`,
    spec: { subnet: `198.18.${octet}.64/26`, ips: [`198.18.${octet}.70-198.18.${octet}.80`], nodeAffinity: { matchLabels: { zone: `${run}-elsewhere` } } },
  },
  v6: { name: `${run}-v6`, spec: { subnet: `fd00:198:${v6group}::/64`, ips: [`fd00:198:${v6group}::10-fd00:198:${v6group}::20`] } },
  full: { name: `${run}-full`, spec: { subnet: `198.18.${octet}.128/26`, ips: [`198.18.${octet}.130`] } },
  off: { name: `${run}-off`, spec: { subnet: `198.18.${octet}.192/26`, ips: [`198.18.${octet}.200-198.18.${octet}.210`], disable: true } },
}
const POOL_NAMES = Object.values(POOLS).map((p) => p.name)
const CODES = Object.keys(STATUS_OF) as IpamErrorCode[]
let service: RunningService
let holder: PodRef
let free: PodRef | undefined
let made = 0

const bodyFor = (pod: PodRef, extra: Record<string, unknown> = {}) => ({
  containerID: `ctr-${pod.uid}`,
  ifName: 'eth0',
  netNamespace: '/var/run/netns/fuzz',
  podNamespace: pod.namespace,
  podName: pod.name,
  podUID: pod.uid,
  network: 'fuzz-net',
  ...extra,
})

async function makePod(name: string, annotations: Record<string, string>): Promise<PodRef | 'too large'> {
  try {
    const pod = await createPod(kc, { namespace: ns, name, nodeName: node, annotations })
    return { namespace: ns, name, uid: pod.metadata!.uid! }
  } catch (e) {
    // The API server itself refuses annotations over 256 KiB: nothing reaches IPAM.
    if (e instanceof k8s.ApiException && e.code === 422 && String(e.body).includes('Too long')) return 'too large'
    throw e
  }
}

interface Snapshot {
  /** Pools and endpoints by resourceVersion: any write changes one. */
  versions: string
  /** Their records, counts and statuses: what a write that was undone leaves as it was. */
  content: string
  /** The pools' records and counts alone (an endpoint made again has new timestamps). */
  records: string
  /** Each object as read, to say what a write changed. */
  objects: Record<string, unknown>
}

async function snapshot(): Promise<Snapshot> {
  const pools = await Promise.all(
    POOL_NAMES.map(async (name) => parseSpiderIPPool(await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.ipPool, name }))),
  )
  const endpoints = (
    (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL.endpoint })) as {
      items: Array<{ metadata: { name: string; resourceVersion: string }; status: unknown }>
    }
  ).items
  const records = pools.map((p) => [p.metadata.name, parseAllocatedIPs(p.status.allocatedIPs, p.metadata.name), p.status.allocatedIPCount ?? 0])
  return {
    objects: Object.fromEntries([...pools.map((p) => [`pool ${p.metadata.name}`, p]), ...endpoints.map((e) => [`endpoint ${e.metadata.name}`, e])]),
    records: JSON.stringify(records),
    versions: JSON.stringify([
      pools.map((p) => [p.metadata.name, p.metadata.resourceVersion]),
      endpoints.map((e) => [e.metadata.name, e.metadata.resourceVersion]),
    ]),
    content: JSON.stringify([records, endpoints.map((e) => [e.metadata.name, e.status])]),
  }
}

/** Never 500; a refusal is `{code, message}` with a known code at the status that code maps to. */
function refusalOf(answer: IpamAnswer): { code: IpamErrorCode; message: string } | undefined {
  const text = JSON.stringify(answer.body)
  expect(answer.status, text).not.toBe(500)
  if (answer.status < 300) return undefined
  // hono's own answer for a route that does not exist.
  if (answer.status === 404 && answer.body === '404 Not Found') return { code: 'not-found', message: '404 Not Found' }
  expect(CODES, text).toContain(answer.body?.code)
  expect(answer.status, text).toBe(STATUS_OF[answer.body.code as IpamErrorCode])
  expect(typeof answer.body.message === 'string' && answer.body.message.trim() !== '', text).toBe(true)
  return answer.body
}

/** The objects whose stored form differs, before and after. */
const changed = (before: Snapshot, after: Snapshot): string =>
  [...new Set([...Object.keys(before.objects), ...Object.keys(after.objects)])]
    .filter((key) => JSON.stringify(before.objects[key]) !== JSON.stringify(after.objects[key]))
    .map((key) => `${key}: ${JSON.stringify(before.objects[key])} -> ${JSON.stringify(after.objects[key])}`)
    .join('; ')

/** Nothing written; a pool refusal may have taken and released an address of another family. */
function expectUnchanged(before: Snapshot, after: Snapshot, refusal: { code: IpamErrorCode }, answer: IpamAnswer): void {
  const undoable = refusal.code === 'ip-used-out' || refusal.code === 'no-pool'
  if (undoable) expect(after.content, `${JSON.stringify(answer.body)} changed the pools or endpoints`).toBe(before.content)
  else expect(after.versions, `${JSON.stringify(answer.body)} wrote to the pools or endpoints: ${changed(before, after)}`).toBe(before.versions)
}

function expectUsableAllocation(answer: IpamAnswer): void {
  const specs = new Map(Object.values(POOLS).map((p) => [p.name, p.spec]))
  expect(answer.body.ips.length).toBeGreaterThan(0)
  for (const ip of answer.body.ips as Array<{ address: string; ipPool: string }>) {
    const spec = specs.get(ip.ipPool)
    expect(spec, `answered pool ${ip.ipPool}`).toBeDefined()
    expect(cidrContainsIp(parseCidr(spec!.subnet), tryParseIp(ip.address.split('/')[0]!)!)).toBe(true)
  }
  for (const route of answer.body.routes as Array<{ dst: string; gw: string }>) {
    expect(() => parseCidr(route.dst), `route dst ${route.dst}`).not.toThrow()
    expect(tryParseIp(route.gw), `route gw ${route.gw}`).toBeDefined()
  }
}

const FREE_ANNOTATIONS = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [POOLS.a.name], ipv6: [POOLS.v6.name] }) }

/**
 * The fixture as it was: the holder holds the full pool's address, and a free pod that holds
 * nothing. A live pod keeps what it got (a DEL keeps it for its next sandbox), so the free pod is
 * made anew: the old one deleted, then its addresses released, as its kubelet would.
 */
async function restore(): Promise<void> {
  if (free) {
    await core.deleteNamespacedPod({ namespace: ns, name: free.name, gracePeriodSeconds: 0 }).catch(() => undefined)
    for (
      let i = 0;
      await core.readNamespacedPod({ namespace: ns, name: free.name }).then(
        () => true,
        () => false,
      );
      i++
    ) {
      expect(i, 'the free pod was not deleted').toBeLessThan(100)
      await new Promise((r) => setTimeout(r, 50))
    }
    for (const ifName of ['eth0', 'net1']) expect((await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(free, { ifName }))).status).toBe(200)
  }
  free = (await makePod('free', FREE_ANNOTATIONS)) as PodRef
  const held = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(holder))
  expect(held.status, JSON.stringify(held.body)).toBe(200)
}

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, ns)
  await createNode(kc, node, { zone: run })
  for (const pool of Object.values(POOLS)) await createPool(kc, pool.name, pool.spec)
  service = await startService({ NODE_NAME: node, RESYNC_SECONDS: '3600' })
  holder = (await makePod('holder', { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [POOLS.full.name] }) })) as PodRef
  await restore()
}, 120_000)

afterAll(async () => {
  await service?.stop()
  await cleanUp(kc, { namespace: ns, pools: POOL_NAMES, nodes: [node] })
  await core.deleteNamespace({ name: ns }).catch(() => undefined)
})

describe('fuzzing the running service (IPAM API on its socket, real API server)', () => {
  it(
    'answers any pod and namespace annotations with an allocation or a refusal naming them; a refusal writes nothing',
    async () => {
      const result = await fuzz(
        'ipam api on the API server: annotations',
        fc.asyncProperty(podAnnotationsArb(POOL_NAMES), namespaceAnnotationsArb(POOL_NAMES), async (annotations, namespaceAnnotations) => {
          await core.replaceNamespace({ name: ns, body: { metadata: { name: ns, annotations: namespaceAnnotations } } })
          // The service reads namespaces from the watch cache: wait until it has this one.
          for (let i = 0; JSON.stringify((await store.getNamespace(ns))?.annotations ?? {}) !== JSON.stringify(namespaceAnnotations); i++) {
            expect(i, 'the watch cache never showed the namespace annotations').toBeLessThan(100)
            await new Promise((r) => setTimeout(r, 20))
          }
          const pod = await makePod(`p-${++made}`, annotations)
          fc.pre(pod !== 'too large')
          try {
            const before = await snapshot()
            const answer = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(pod as PodRef))
            const refusal = refusalOf(answer)
            if (refusal) {
              expectUnchanged(before, await snapshot(), refusal, answer)
              if (refusal.code === 'invalid-annotation') {
                const keys = [...Object.keys(annotations), ...Object.keys(namespaceAnnotations)]
                expect(
                  keys.some((key) => refusal.message.includes(key)),
                  `${refusal.message} names none of ${keys.join(', ')}`,
                ).toBe(true)
              }
            } else {
              expectUsableAllocation(answer)
              // A DEL releases only for a pod on its way out (a live pod keeps its addresses for
              // its next sandbox, as in Spiderpool): terminating first, as the kubelet's order is.
              await terminatePod(kc, ns, (pod as PodRef).name)
              // ippools gives every NIC it names on the first ADD: each is released on its own.
              for (const nic of new Set((answer.body.ips as Array<{ nic: string }>).map((ip) => ip.nic))) {
                const released = await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(pod as PodRef, { ifName: nic }))
                expect(released.status, JSON.stringify(released.body)).toBe(200)
              }
              expect((await snapshot()).records, 'a release left a record behind').toBe(before.records)
            }
          } finally {
            await core.deleteNamespacedPod({ namespace: ns, name: (pod as PodRef).name, gracePeriodSeconds: 0 })
          }
        }),
        { ci: 40, big: 1000 },
      )
      expect(result.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers any request with a result or a refusal with a known code; a refusal writes nothing',
    async () => {
      const result = await fuzz(
        'ipam api on the API server: requests',
        fc.asyncProperty(
          fc.constant(null).chain(() => ipamRequestArb([holder, free!], POOL_NAMES)),
          async (req: FuzzRequest) => {
            const before = await snapshot()
            const answer = await ipamRequest(service.socket, req.method, req.path, req.body, { contentType: req.contentType })
            const refusal = refusalOf(answer)
            if (refusal) {
              expectUnchanged(before, await snapshot(), refusal, answer)
              return
            }
            if (req.method === 'POST' && req.path === '/v1/ipam/ip') expectUsableAllocation(answer)
            // A call the plugin could have made, and did something: back to the fixture.
            await restore()
            expect((await snapshot()).records, 'the fixture could not be restored').toBe(before.records)
          },
        ),
        { ci: 60, big: 1500 },
      )
      expect(result.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
