// Pod and namespace annotations, fuzzed through every parser and through pool selection: each
// value is either read or refused with an invalid-annotation error naming its key, in bounded
// time, and what is read is usable (routes that parse, names a Kubernetes object can have).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FUZZ_TIMEOUT_MS, fuzz } from '../../test/support/fuzz.ts'
import { isIpamError } from '../errors.ts'
import { cidrFamily, tryParseIp } from '../ip/index.ts'
import { poolsToRead, selectCandidates, type PoolView } from '../select/index.ts'
import { pool } from '../select/pools.testkit.ts'
import { namespaceAnnotationsArb, podAnnotationsArb, podAnnotationValueArb } from './fuzz-arbitraries.testkit.ts'
import { AnnotationKey, multusNetworkOf, parseIPPoolIPNumber, parseIPPoolReclaim, parseRoutesAnnotation } from './index.ts'

const POOLS: PoolView[] = [pool('fuzz-a'), pool('fuzz-b'), pool('fuzz-v6', 6), pool('fuzz-default', 4, { default: true })]
const NAMES = POOLS.map((p) => p.name)
/**
 * Per value: far below what a quadratic walk over 100 KB takes (seconds), far above a linear
 * parse of it (milliseconds). A slow run is timed twice more and the fastest counts, so a
 * garbage-collection pause on a busy machine does not fail the test; a slow input stays slow.
 */
const BOUND_MS = 250

const fastest = (work: () => void): number => {
  let best = Infinity
  for (let i = 0; i < 3 && best > BOUND_MS; i++) {
    const started = performance.now()
    work()
    best = Math.min(best, performance.now() - started)
  }
  return best
}

/** Runs `read`; a refusal must be an IpamError of `codes` whose message names one of `keys`. */
const readOrRefuse = <T>(read: () => T, keys: readonly string[], codes: readonly string[] = ['invalid-annotation']): T | undefined => {
  const outcome: { value?: T; error?: unknown; threw?: boolean } = {}
  const ms = fastest(() => {
    try {
      outcome.value = read()
      outcome.threw = false
    } catch (e) {
      outcome.error = e
      outcome.threw = true
    }
  })
  expect(ms, 'milliseconds to read or refuse the value').toBeLessThan(BOUND_MS)
  if (!outcome.threw) return outcome.value
  const e = outcome.error
  if (!isIpamError(e)) throw new Error(`not an IpamError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
  expect(codes).toContain(e.code)
  if (e.code === 'invalid-annotation') {
    expect(
      keys.some((key) => e.message.startsWith(`invalid annotation ${key}: `)),
      `"${e.message}" names none of ${keys.join(', ')}`,
    ).toBe(true)
    expect(e.message.length).toBeGreaterThan(`invalid annotation ${keys[0]}: `.length)
  }
  return undefined
}

describe('fuzzing annotations (shared/annotations, shared/select)', () => {
  it(
    'selects candidates or refuses naming the annotation, for any pod and namespace annotations',
    async () => {
      const run = await fuzz(
        'annotations: selection',
        fc.property(podAnnotationsArb(NAMES), namespaceAnnotationsArb(NAMES), fc.constantFrom('eth0', 'net1'), (pod, namespace, nic) => {
          const request = { nic, podAnnotations: pod, namespaceAnnotations: namespace, pools: POOLS }
          const keys = [...Object.keys(pod), ...Object.keys(namespace)]
          const toRead = readOrRefuse(() => poolsToRead(request), keys)
          if (toRead !== undefined && toRead !== 'all') for (const name of toRead) expect(name.length).toBeLessThanOrEqual(253)
          const candidates = readOrRefuse(() => selectCandidates(request), keys, ['invalid-annotation', 'no-pool'])
          if (candidates !== undefined && candidates.tier !== 'subnet') {
            for (const n of candidates.nics) {
              for (const name of [...(n.ipv4 ?? []), ...(n.ipv6 ?? [])]) expect(name.length).toBeLessThanOrEqual(253)
            }
          }
        }),
        { ci: 3000, big: 100_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )

  it(
    'reads routes, IP numbers, reclaim and Multus networks, or refuses them naming the key',
    async () => {
      const run = await fuzz(
        'annotations: other keys',
        fc.property(
          podAnnotationValueArb(AnnotationKey.routes, NAMES),
          podAnnotationValueArb(AnnotationKey.ippoolIPNumber, NAMES),
          podAnnotationValueArb(AnnotationKey.ippoolReclaim, NAMES),
          podAnnotationValueArb(AnnotationKey.multusDefaultNetwork, NAMES),
          podAnnotationValueArb(AnnotationKey.multusNetworks, NAMES),
          (routes, ipNumber, reclaim, defaultNetwork, networks) => {
            const read = readOrRefuse(() => parseRoutesAnnotation(routes), [AnnotationKey.routes])
            // A route that is read ends up in the CNI result: it must be one the plugin can use.
            for (const route of read ?? []) {
              const gw = tryParseIp(route.gw)
              expect(gw, `gw ${route.gw} of ${routes}`).toBeDefined()
              expect(() => cidrFamily(route.dst), `dst ${route.dst} of ${routes}`).not.toThrow()
              expect(cidrFamily(route.dst)).toBe(gw?.family)
            }
            readOrRefuse(() => parseIPPoolIPNumber(ipNumber), [AnnotationKey.ippoolIPNumber])
            readOrRefuse(() => parseIPPoolReclaim(reclaim), [AnnotationKey.ippoolReclaim])
            const annotations = { [AnnotationKey.multusDefaultNetwork]: defaultNetwork, [AnnotationKey.multusNetworks]: networks }
            const defaults = { podNamespace: 'team-a', systemNamespace: 'kube-system' }
            for (const nic of ['eth0', 'net1', 'net2']) {
              const network = readOrRefuse(
                () => multusNetworkOf(annotations, nic, defaults),
                [AnnotationKey.multusDefaultNetwork, AnnotationKey.multusNetworks],
              )
              if (network !== undefined) expect(network).toMatch(/^[a-z0-9.-]+\/[a-z0-9.-]+$/)
            }
          },
        ),
        { ci: 3000, big: 100_000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
