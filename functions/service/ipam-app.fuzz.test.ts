// The IPAM API in process (the service's router over an in-memory store), fuzzed with pod and
// namespace annotations and with request bodies. Properties: never a 500; every refusal carries
// a known code and a message (one naming the annotation when an annotation is at fault); a
// refusal leaves pools and endpoints as they were, and writes nothing at all unless it came
// after an address was taken (dual stack, several NICs: what was taken is released again); an
// answer holds addresses of the fixture's pools, never one twice.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FUZZ_TIMEOUT_MS, fuzz } from '../../test/support/fuzz.ts'
import { namespaceAnnotationsArb, podAnnotationsArb } from '../../shared/annotations/fuzz-arbitraries.testkit.ts'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import type { IpamErrorCode } from '../../shared/errors.ts'
import { cidrContainsIp, parseCidr, tryParseIp } from '../../shared/ip/index.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import type { PodView } from '../../shared/api/views.ts'
import { ipamRequestArb, type FuzzRequest } from '../lib/fuzz-requests.testkit.ts'
import { depsFor, ipPool } from '../lib/memory-fixtures.testkit.ts'
import { STATUS_OF } from '../lib/http-errors.ts'
import { createIpamApp } from './create-service.ts'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'

const NS = 'fuzz'
const NODE = 'fuzz-node'
const POOLS = ['fuzz-a', 'fuzz-b', 'fuzz-v6', 'fuzz-full', 'fuzz-default', 'fuzz-off']
const HOLDER = { namespace: NS, name: 'fuzz-holder', uid: 'uid-holder' }
const FREE = { namespace: NS, name: 'fuzz-free', uid: 'uid-free' }
const CODES = Object.keys(STATUS_OF) as IpamErrorCode[]

const podView = (ref: { name: string; uid: string }, annotations: Record<string, string>): PodView => ({
  namespace: NS,
  name: ref.name,
  uid: ref.uid,
  nodeName: NODE,
  labels: { app: 'fuzz' },
  annotations,
  ownerReferences: [],
  phase: 'Running',
})

/**
 * A node in zone a; pools that serve it (fuzz-a, fuzz-v6, the cluster default), one that serves
 * zone b only, one disabled, one whose only address the holder pod has.
 */
async function fixture(namespaceAnnotations: Record<string, string> = {}) {
  const store = new MemoryStore()
  store.putNamespace({ name: NS, labels: {}, annotations: namespaceAnnotations })
  store.putNode({ name: NODE, labels: { zone: 'a' }, ready: true })
  store.putPool(
    ipPool('fuzz-a', { subnet: '198.18.10.0/24', ips: ['198.18.10.10-198.18.10.20'], gateway: '198.18.10.1', nodeAffinity: { matchLabels: { zone: 'a' } } }),
  )
  store.putPool(ipPool('fuzz-b', { subnet: '198.18.11.0/24', ips: ['198.18.11.10-198.18.11.20'], nodeAffinity: { matchLabels: { zone: 'b' } } }))
  store.putPool(ipPool('fuzz-v6', { subnet: 'fd00:198:18:12::/64', ips: ['fd00:198:18:12::10-fd00:198:18:12::20'], gateway: 'fd00:198:18:12::1' }))
  store.putPool(ipPool('fuzz-full', { subnet: '198.18.13.0/24', ips: ['198.18.13.10'] }))
  store.putPool(ipPool('fuzz-default', { subnet: '198.18.14.0/24', ips: ['198.18.14.10-198.18.14.20'], default: true }))
  store.putPool(ipPool('fuzz-off', { subnet: '198.18.15.0/24', ips: ['198.18.15.10-198.18.15.20'], disable: true }))
  store.putPod(podView(HOLDER, { 'ipam.spidernet.io/ippool': '{"ipv4":["fuzz-full"]}' }))
  store.putPod(podView(FREE, { 'ipam.spidernet.io/ippool': '{"ipv4":["fuzz-a"],"ipv6":["fuzz-v6"]}' }))
  const deps = { ...depsFor(store), config: { systemNamespace: 'kube-system', nodeName: NODE } }
  const app = createIpamApp(deps)
  const held = await send(app, {
    method: 'POST',
    path: '/v1/ipam/ip',
    contentType: 'application/json',
    body: JSON.stringify({ containerID: 'ctr-holder', ifName: 'eth0', podNamespace: NS, podName: HOLDER.name, podUID: HOLDER.uid, network: 'fuzz-net' }),
  })
  expect(held.status, held.text).toBe(200)
  store.writes = 0
  return { store, app }
}

type App = ReturnType<typeof createIpamApp>

async function send(app: App, req: FuzzRequest): Promise<{ status: number; text: string; json: unknown }> {
  const bodyless = req.method === 'GET' || req.method === 'HEAD'
  const res = await app.request(req.path, {
    method: req.method,
    ...(req.body === undefined || bodyless ? {} : { body: req.body }),
    // As Spinneret's plugin asks: structured refusals (Spiderpool's routes answer its own plugin
    // every refusal as a 500 with the message, which test/spiderpool-plugin.test.ts covers).
    headers: { [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS, ...(req.contentType ? { 'content-type': req.contentType } : {}) },
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, text, json }
}

/** Never 500; a refusal is `{code, message}` with a known code and the status that code maps to. */
function expectAnswer(answer: { status: number; text: string; json: unknown }): { code: IpamErrorCode; message: string } | undefined {
  expect(answer.status, answer.text).not.toBe(500)
  if (answer.status < 300) return undefined
  // hono's own 404 for a route that does not exist is the only non-JSON refusal.
  if (answer.status === 404 && answer.json === undefined) {
    expect(answer.text).toBe('404 Not Found')
    return undefined
  }
  const body = answer.json as { code?: IpamErrorCode; message?: string }
  expect(CODES, answer.text).toContain(body.code)
  expect(answer.status, answer.text).toBe(STATUS_OF[body.code as IpamErrorCode])
  expect(typeof body.message === 'string' && body.message.trim() !== '', answer.text).toBe(true)
  return { code: body.code as IpamErrorCode, message: body.message as string }
}

/** What a refusal must leave as it found it: every pool's records and counts, every endpoint. */
const contentOf = (store: MemoryStore) =>
  JSON.stringify({
    pools: [...store.pools.values()].map((p) => [p.metadata.name, parseAllocatedIPs(p.status.allocatedIPs, p.metadata.name), p.status.allocatedIPCount ?? 0]),
    endpoints: [...store.endpoints.values()].map((e) => [e.metadata.namespace, e.metadata.name, e.status]),
  })

/**
 * A refusal changes nothing. It writes nothing either, unless it is a pool refusal that came
 * after this call took an address for another family or NIC, which it then released again.
 */
function expectNothingWritten(store: MemoryStore, before: string, refusal: { code: IpamErrorCode }, answer: string): void {
  expect(contentOf(store), `${answer} changed the pools or endpoints`).toBe(before)
  if (refusal.code !== 'ip-used-out' && refusal.code !== 'no-pool') expect(store.writes, `${answer} after writing`).toBe(0)
}

/** Every record of every pool: no address twice, each inside its pool's subnet. */
function expectSoundPools(store: MemoryStore): void {
  const seen = new Set<string>()
  for (const pool of store.pools.values()) {
    const cidr = parseCidr(pool.spec.subnet)
    for (const ip of Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name))) {
      expect(seen.has(ip), `${ip} recorded twice`).toBe(false)
      seen.add(ip)
      expect(cidrContainsIp(cidr, tryParseIp(ip)!)).toBe(true)
    }
  }
}

/** An allocation's answer: addresses of the pools it names, routes the plugin can use. */
function expectUsableAllocation(store: MemoryStore, json: unknown): void {
  const answer = json as { ips: Array<{ address: string; ipPool: string; gateway?: string }>; routes: Array<{ dst: string; gw: string }> }
  expect(answer.ips.length).toBeGreaterThan(0)
  for (const ip of answer.ips) {
    const pool = store.pools.get(ip.ipPool)
    expect(pool, `answered pool ${ip.ipPool}`).toBeDefined()
    expect(cidrContainsIp(parseCidr(pool!.spec.subnet), tryParseIp(ip.address.split('/')[0]!)!)).toBe(true)
  }
  for (const route of answer.routes) {
    expect(() => parseCidr(route.dst), `route dst ${route.dst}`).not.toThrow()
    expect(tryParseIp(route.gw), `route gw ${route.gw}`).toBeDefined()
  }
}

describe('fuzzing the IPAM API in process', () => {
  it(
    'answers any pod and namespace annotations with an allocation or a refusal naming them; a refusal writes nothing',
    async () => {
      let n = 0
      const run = await fuzz(
        'ipam api in process: annotations',
        fc.asyncProperty(
          podAnnotationsArb(POOLS),
          namespaceAnnotationsArb(POOLS),
          fc.constantFrom('eth0', 'net1'),
          async (annotations, namespaceAnnotations, ifName) => {
            const { store, app } = await fixture(namespaceAnnotations)
            const ref = { name: `fuzz-pod-${++n}`, uid: `uid-${n}` }
            store.putPod(podView(ref, annotations))
            const before = contentOf(store)
            const body = {
              containerID: `ctr-${n}`,
              ifName,
              netNamespace: '/var/run/netns/fuzz',
              podNamespace: NS,
              podName: ref.name,
              podUID: ref.uid,
              network: 'fuzz-net',
            }
            const answer = await send(app, { method: 'POST', path: '/v1/ipam/ip', contentType: 'application/json', body: JSON.stringify(body) })
            const refusal = expectAnswer(answer)
            if (refusal) {
              expectNothingWritten(store, before, refusal, answer.text)
              if (refusal.code === 'invalid-annotation') {
                const keys = [...Object.keys(annotations), ...Object.keys(namespaceAnnotations)]
                expect(
                  keys.some((key) => refusal.message.includes(key)),
                  `${refusal.message} names none of ${keys.join(', ')}`,
                ).toBe(true)
              }
            } else {
              expectUsableAllocation(store, answer.json)
            }
            expectSoundPools(store)
          },
        ),
        { ci: 1000, big: 30_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'answers any request with a result or a refusal with a known code; a refusal writes nothing',
    async () => {
      const run = await fuzz(
        'ipam api in process: requests',
        fc.asyncProperty(ipamRequestArb([HOLDER, FREE], POOLS), async (req) => {
          const { store, app } = await fixture()
          const before = contentOf(store)
          const answer = await send(app, req)
          const refusal = expectAnswer(answer)
          if (refusal) expectNothingWritten(store, before, refusal, answer.text)
          else if (req.method === 'POST' && req.path === '/v1/ipam/ip') expectUsableAllocation(store, answer.json)
          expectSoundPools(store)
        }),
        { ci: 1000, big: 30_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
