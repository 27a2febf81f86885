// The admission decisions, pure, on fuzzed SpiderIPPools, SpiderSubnets and SpiderReservedIPs
// whose address ranges run up to all of IPv6. Each object goes through what the API server runs:
// the mutating webhook, the schema, the validating webhook. Properties: no decision throws; each
// takes bounded time and heap whatever the size of its ranges (a decision that walked its
// addresses would take years on a /64); a refusal is a well-formed Kubernetes status; what is
// admitted parses, fits the pool size cap, shares no address with the objects it was judged
// against, keeps every address in use, and stays admitted after its own mutation.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FUZZ_TIMEOUT_MS, fuzz } from '../../test/support/fuzz.ts'
import {
  parseAllocatedIPs,
  parseSpiderIPPool,
  parseSpiderReservedIP,
  parseSpiderSubnet,
  type SpiderIPPool,
  type SpiderReservedIP,
  type SpiderSubnet,
} from '../api/index.ts'
import { isIpamError } from '../errors.ts'
import { cidrsOverlap, countIps, intersectRanges, ipInRanges, parseIpRanges, tryParseIp } from '../ip/index.ts'
import { parseAddressSpec, totalOf } from './address-rules.ts'
import { rawPoolArb, rawReservedIPArb, rawSubnetArb } from './fuzz-arbitraries.testkit.ts'
import {
  mutateIPPool,
  mutateReservedIP,
  mutateSubnet,
  POOL_ADDRESS_CAP,
  validateIPPool,
  validateReservedIP,
  validateSubnet,
  type JsonPatch,
  type Verdict,
} from './index.ts'

/**
 * Per decision: a few milliseconds are expected; a walk over 2^20 addresses already takes longer
 * than this, one over a /64 would take centuries. A slow case is timed twice more and the fastest
 * run counts, so a garbage-collection pause does not fail the test.
 */
const BOUND_MS = 100
/** Heap a decision may add: 2^20 addresses as bigints would take more than this. */
const BOUND_HEAP = 32 * 1024 * 1024

function bounded<T>(work: () => T): T {
  let best = Infinity
  let value: T | undefined
  for (let i = 0; i < 3 && best > BOUND_MS; i++) {
    const heap = process.memoryUsage().heapUsed
    const started = performance.now()
    value = work()
    best = Math.min(best, performance.now() - started)
    expect(process.memoryUsage().heapUsed - heap, 'bytes of heap one decision added').toBeLessThan(BOUND_HEAP)
  }
  expect(best, 'milliseconds one decision took').toBeLessThan(BOUND_MS)
  return value as T
}

/** RFC 6902 add/remove at JSON pointers, enough for the webhooks' patches. */
function applyPatch(object: unknown, patch: JsonPatch | undefined): unknown {
  const doc = structuredClone(object) as Record<string, unknown>
  for (const op of patch ?? []) {
    const keys = op.path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    const last = keys.pop() as string
    let parent = doc as Record<string, unknown>
    for (const key of keys) parent = parent[key] as Record<string, unknown>
    if (op.op === 'add') parent[last] = structuredClone(op.value)
    else delete parent[last]
  }
  return doc
}

const parsedOr = <T>(parse: (raw: unknown) => T, raw: unknown): T | undefined => {
  try {
    return parse(raw)
  } catch (e) {
    if (isIpamError(e)) return undefined
    throw e
  }
}
const parseAll = <T>(parse: (raw: unknown) => T, raws: readonly unknown[]): T[] => raws.map((r) => parsedOr(parse, r)).filter((x): x is T => x !== undefined)

/** A refusal as the API server shows it: 422 with one cause per field, or 403 "forbidden: ...". */
function expectWellFormedRefusal(verdict: Verdict, kind: string, name: string): void {
  if (verdict.allowed) return
  const { status } = verdict
  if (status.code === 403) {
    expect(status.message).toMatch(/^forbidden: \S/)
    return
  }
  expect(status.code).toBe(422)
  expect(status.message.startsWith(`${kind}.spiderpool.spidernet.io ${JSON.stringify(name)} is invalid: `), status.message).toBe(true)
  expect(status.details?.causes.length).toBeGreaterThan(0)
  for (const cause of status.details?.causes ?? []) {
    expect(cause.field).toMatch(/^spec\./)
    expect(cause.message.trim()).not.toBe('')
  }
}

/** What the API server runs on a CREATE: mutating webhook, schema, validating webhook. */
function admit<T extends { metadata: { name: string } }>(
  raw: unknown,
  parse: (raw: unknown) => T,
  mutate: (raw: unknown, object: T) => Verdict,
  validate: (object: T) => Verdict,
): { object?: T; mutated: unknown; verdict: Verdict | 'schema' } {
  const before = parsedOr(parse, raw)
  const mutation = before ? mutate(raw, before) : { allowed: true as const }
  expect(mutation.allowed, 'the mutating webhook refused').toBe(true)
  const mutated = applyPatch(raw, mutation.allowed ? mutation.patch : undefined)
  const object = parsedOr(parse, mutated)
  if (!object) return { mutated, verdict: 'schema' }
  return { object, mutated, verdict: validate(object) }
}

/** Admitted once, admitted again: the mutation of a mutated object changes nothing. */
function expectStable<T>(mutated: unknown, parse: (raw: unknown) => T, mutate: (raw: unknown, object: T) => Verdict, validate: (object: T) => Verdict): void {
  const again = mutate(mutated, parse(mutated))
  expect(again.allowed && (again.patch ?? []), 'a second mutation changed the admitted object').toEqual([])
  expect(validate(parse(mutated)).allowed, 'the admitted object is refused when judged again').toBe(true)
}

describe('fuzzing admission (shared/admission)', () => {
  it(
    'SpiderIPPool: bounded decisions; what is admitted parses, fits the cap, overlaps no pool and keeps addresses in use',
    async () => {
      const run = await fuzz(
        'admission: SpiderIPPool',
        fc.property(rawPoolArb(), fc.array(rawPoolArb(), { maxLength: 3 }), fc.array(rawSubnetArb(), { maxLength: 2 }), (raw, otherRaws, subnetRaws) => {
          const pools = parseAll(parseSpiderIPPool, otherRaws)
          const subnets = parseAll(parseSpiderSubnet, subnetRaws)
          const mutate = (r: unknown, pool: SpiderIPPool) => mutateIPPool({ raw: r, pool, subnets })
          const validate = (pool: SpiderIPPool) => validateIPPool({ operation: 'CREATE', pool, pools, subnets })
          const { object, mutated, verdict } = bounded(() => admit(raw, parseSpiderIPPool, mutate, validate))
          if (verdict === 'schema' || !object) return
          expectWellFormedRefusal(verdict, 'SpiderIPPool', object.metadata.name)
          if (!verdict.allowed) return
          const parsed = parseAddressSpec(object.spec)
          expect(parsed.ok).toBe(true)
          if (!parsed.ok) return
          expect(countIps(parsed.value.total)).toBeLessThanOrEqual(BigInt(POOL_ADDRESS_CAP[parsed.value.family]))
          for (const other of pools.filter((p) => p.metadata.name !== object.metadata.name)) {
            const theirs = totalOf(other.spec)
            if (theirs?.family === parsed.value.family)
              expect(intersectRanges(parsed.value.total, theirs.total), `shares addresses with ${other.metadata.name}`).toEqual([])
          }
          bounded(() => expectStable(mutated, parseSpiderIPPool, mutate, validate))
        }),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'SpiderIPPool updates: bounded decisions; an admitted update keeps every address a pod holds',
    async () => {
      const run = await fuzz(
        'admission: SpiderIPPool updates',
        fc.property(
          rawPoolArb(fc.constant('fuzz-pool')),
          rawPoolArb(fc.constant('fuzz-pool')),
          fc.array(rawPoolArb(), { maxLength: 2 }),
          (oldRaw, newRaw, otherRaws) => {
            const old = parsedOr(parseSpiderIPPool, oldRaw)
            const pool = parsedOr(parseSpiderIPPool, { ...newRaw, status: oldRaw.status ?? {} })
            if (!old || !pool) return
            const pools = [old, ...parseAll(parseSpiderIPPool, otherRaws)]
            const verdict = bounded(() => validateIPPool({ operation: 'UPDATE', pool, oldPool: old, pools, subnets: [] }))
            expectWellFormedRefusal(verdict, 'SpiderIPPool', pool.metadata.name)
            if (!verdict.allowed || JSON.stringify(old.spec) === JSON.stringify(pool.spec)) return
            const parsed = parseAddressSpec(pool.spec)
            expect(parsed.ok).toBe(true)
            const records = parsedOr(() => parseAllocatedIPs(old.status.allocatedIPs, old.metadata.name), null) ?? {}
            // Records of the pool's family (the generator also writes impossible ones of the other).
            for (const ip of Object.keys(records)) {
              if (parsed.ok && tryParseIp(ip)?.family === parsed.value.family) expect(ipInRanges(ip, parsed.value.total), `${ip} in use was dropped`).toBe(true)
            }
          },
        ),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'SpiderSubnet: bounded decisions; what is admitted parses and overlaps no subnet',
    async () => {
      const run = await fuzz(
        'admission: SpiderSubnet',
        fc.property(rawSubnetArb(), fc.array(rawSubnetArb(), { maxLength: 3 }), fc.array(rawPoolArb(), { maxLength: 3 }), (raw, otherRaws, poolRaws) => {
          const subnets = parseAll(parseSpiderSubnet, otherRaws)
          const pools = parseAll(parseSpiderIPPool, poolRaws)
          const mutate = (r: unknown, subnet: SpiderSubnet) => mutateSubnet({ raw: r, subnet })
          const validate = (subnet: SpiderSubnet) => validateSubnet({ operation: 'CREATE', subnet, subnets, pools })
          const { object, mutated, verdict } = bounded(() => admit(raw, parseSpiderSubnet, mutate, validate))
          if (verdict === 'schema' || !object) return
          expectWellFormedRefusal(verdict, 'SpiderSubnet', object.metadata.name)
          if (!verdict.allowed) return
          const parsed = parseAddressSpec(object.spec)
          expect(parsed.ok).toBe(true)
          if (!parsed.ok) return
          for (const other of subnets.filter((s) => s.metadata.name !== object.metadata.name)) {
            const theirs = totalOf(other.spec)
            if (theirs?.family === parsed.value.family) expect(cidrsOverlap(theirs.cidr, parsed.value.cidr), `overlaps ${other.metadata.name}`).toBe(false)
          }
          bounded(() => expectStable(mutated, parseSpiderSubnet, mutate, validate))
        }),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'SpiderReservedIP: bounded decisions; what is admitted parses and overlaps no reservation',
    async () => {
      const run = await fuzz(
        'admission: SpiderReservedIP',
        fc.property(rawReservedIPArb(), fc.array(rawReservedIPArb(), { maxLength: 3 }), (raw, otherRaws) => {
          const reservedIPs = parseAll(parseSpiderReservedIP, otherRaws)
          const mutate = (r: unknown, reservedIP: SpiderReservedIP) => mutateReservedIP({ raw: r, reservedIP })
          const validate = (reservedIP: SpiderReservedIP) => validateReservedIP({ operation: 'CREATE', reservedIP, reservedIPs })
          const { object, mutated, verdict } = bounded(() => admit(raw, parseSpiderReservedIP, mutate, validate))
          if (verdict === 'schema' || !object) return
          expectWellFormedRefusal(verdict, 'SpiderReservedIP', object.metadata.name)
          if (!verdict.allowed) return
          const mine = parseIpRanges(object.spec.ips ?? [], object.spec.ipVersion)
          for (const other of reservedIPs.filter((r) => r.metadata.name !== object.metadata.name)) {
            const theirs = parsedOr(() => parseIpRanges(other.spec.ips ?? [], other.spec.ipVersion), null)
            if (theirs) expect(intersectRanges(mine, theirs), `overlaps ${other.metadata.name}`).toEqual([])
          }
          bounded(() => expectStable(mutated, parseSpiderReservedIP, mutate, validate))
        }),
        { ci: 2000, big: 50_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
