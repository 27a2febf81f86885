// The admission webhooks behind the real API server (the service serves them, the API server
// calls them), fuzzed with SpiderIPPools, SpiderSubnets and SpiderReservedIPs whose address ranges
// run up to all of IPv6. Properties: every create and update is answered well within the
// webhooks' 10 s timeout (a webhook that walked a /64 would never answer); a refusal is a 4xx
// with a message, and nothing of the refused object is stored (a refused create leaves no object,
// a refused update leaves spec and generation); what is stored parses and fits the pool size cap.
import * as k8s from '@kubernetes/client-node'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAddressSpec } from '../shared/admission/address-rules.ts'
import { rawPoolArb, rawReservedIPArb, rawSubnetArb } from '../shared/admission/fuzz-arbitraries.testkit.ts'
import { POOL_ADDRESS_CAP } from '../shared/admission/pool-size-cap.ts'
import { GROUP, VERSION, parseSpiderIPPool, parseSpiderReservedIP, parseSpiderSubnet } from '../shared/api/index.ts'
import { countIps, parseIpRanges } from '../shared/ip/index.ts'
import { deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'
import { FUZZ_TIMEOUT_MS, fuzz } from './support/fuzz.ts'
import { startWebhooks, type Webhooks } from './support/webhooks.ts'

const kc = kubeConfig()
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const run = unique('admfz')
let webhooks: Webhooks
let made = 0
/** Per request: the webhooks' own timeout is 10 s; a judgement takes milliseconds. */
const BOUND_MS = 5000

type Plural = 'spiderippools' | 'spidersubnets' | 'spiderreservedips'
type Raw = { metadata: Record<string, unknown>; spec: Record<string, unknown>; status?: unknown }

interface Outcome {
  ms: number
  /** Undefined when admitted. */
  refusal?: { code: number; message: string }
}

const timed = async (request: () => Promise<unknown>): Promise<Outcome> => {
  const started = performance.now()
  try {
    await request()
    return { ms: performance.now() - started }
  } catch (e) {
    if (!(e instanceof k8s.ApiException)) throw e
    const body = (() => {
      try {
        return JSON.parse(String(e.body)) as { message?: string }
      } catch {
        return { message: String(e.body) }
      }
    })()
    return { ms: performance.now() - started, refusal: { code: e.code, message: body.message ?? '' } }
  }
}

const read = (plural: Plural, name: string) =>
  custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).then(
    (o) => o as Raw & { metadata: { generation: number } },
    (e: unknown) => {
      if (e instanceof k8s.ApiException && e.code === 404) return undefined
      throw e
    },
  )

/** A refusal: a client error the user can read; a webhook that failed would be a 500. */
function expectRefusal(outcome: Outcome): void {
  expect(outcome.ms, 'milliseconds the API server took to answer').toBeLessThan(BOUND_MS)
  if (!outcome.refusal) return
  expect(outcome.refusal.code, outcome.refusal.message).toBeGreaterThanOrEqual(400)
  expect(outcome.refusal.code, outcome.refusal.message).toBeLessThan(500)
  expect(outcome.refusal.message.trim()).not.toBe('')
}

/** What is stored is what the service can read: it parses, and a pool fits its status. */
function expectReadable(plural: Plural, stored: Raw): void {
  if (plural === 'spiderreservedips') {
    const reserved = parseSpiderReservedIP(stored)
    expect(() => parseIpRanges(reserved.spec.ips ?? [], reserved.spec.ipVersion)).not.toThrow()
    return
  }
  const object = plural === 'spiderippools' ? parseSpiderIPPool(stored) : parseSpiderSubnet(stored)
  const parsed = parseAddressSpec(object.spec)
  expect(parsed.ok, JSON.stringify(object.spec)).toBe(true)
  if (plural === 'spiderippools' && parsed.ok) expect(countIps(parsed.value.total)).toBeLessThanOrEqual(BigInt(POOL_ADDRESS_CAP[parsed.value.family]))
}

/**
 * Creates the object; then, if it was admitted, changes its spec to the second one. Refused
 * requests store nothing. The object is removed at the end: each case starts from the same cluster.
 */
async function createThenUpdate(plural: Plural, first: Raw, second: Raw): Promise<void> {
  const name = `${run}-${++made}`
  const body = (raw: Raw) => ({ ...raw, metadata: { ...raw.metadata, name, labels: webhooks.label } })
  try {
    const created = await timed(() => custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural, body: body(first) }))
    expectRefusal(created)
    const stored = await read(plural, name)
    if (created.refusal) {
      expect(stored, `refused (${created.refusal.message}) but stored`).toBeUndefined()
      return
    }
    expect(stored).toBeDefined()
    expectReadable(plural, stored!)
    const updated = await timed(() =>
      custom.patchClusterCustomObject(
        { group: GROUP, version: VERSION, plural, name, body: { spec: second.spec } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    )
    expectRefusal(updated)
    const after = await read(plural, name)
    // The service's reconciler may write the status meanwhile; the spec and its generation are
    // the user's, and only an admitted update changes them.
    if (updated.refusal) {
      expect(after?.metadata.generation, `refused (${updated.refusal.message}) but written`).toBe(stored!.metadata.generation)
      expect(JSON.stringify(after?.spec), `refused (${updated.refusal.message}) but written`).toBe(JSON.stringify(stored!.spec))
    } else {
      expectReadable(plural, after!)
    }
  } finally {
    await deleteClusterObjects(kc, plural, [name])
  }
}

beforeAll(async () => {
  webhooks = await startWebhooks(kc, run, { RESYNC_SECONDS: '3600' })
}, 120_000)

afterAll(async () => {
  await webhooks?.remove()
})

describe('fuzzing the admission webhooks through the API server', () => {
  it.each([
    ['SpiderIPPool', 'spiderippools', rawPoolArb()],
    ['SpiderSubnet', 'spidersubnets', rawSubnetArb()],
    ['SpiderReservedIP', 'spiderreservedips', rawReservedIPArb()],
  ] as const)(
    '%s: judged in bounded time; refused never stored; stored parses',
    async (kind, plural, arb) => {
      const result = await fuzz(
        `admission on the API server: ${kind}`,
        fc.asyncProperty(arb as fc.Arbitrary<Raw>, arb as fc.Arbitrary<Raw>, (first, second) => createThenUpdate(plural, first, second)),
        { ci: 30, big: 600 },
      )
      expect(result.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
