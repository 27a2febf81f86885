/**
 * Test-only: pod and namespace annotations as users (and attackers) write them. Every value is
 * sometimes what Spiderpool documents, sometimes a near miss (a wrong type, a case variant, an
 * empty name, a bad wildcard), sometimes anything at all, deep or long.
 */
import fc from 'fast-check'
import { AnnotationKey } from './keys.ts'

/** Mostly a valid value, sometimes one that breaks a rule. */
export const mostly = <T, U>(valid: fc.Arbitrary<T>, broken: fc.Arbitrary<U>, weight = 4) =>
  fc.oneof({ weight, arbitrary: valid }, { weight: 1, arbitrary: broken })

export const textArb = (maxLength = 30) =>
  fc.oneof(fc.string({ maxLength }), fc.string({ unit: 'grapheme', maxLength }), fc.string({ unit: 'binary', maxLength }))

/** JSON nested far deeper than any annotation's shape, and long runs: what a parser must survive. */
export const hostileText = fc.oneof(
  fc.integer({ min: 1, max: 50_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `{"ipv4":[${'"a",'.repeat(n)}"a"]}`),
  fc.integer({ min: 1, max: 100_000 }).map((n) => `{"ipv4":["${'*'.repeat(n)}"]}`),
  fc.integer({ min: 1, max: 100_000 }).map((n) => 'a'.repeat(n)),
)

/** Anything: text, JSON of any shape, or hostile text. */
export const garbage = fc.oneof({ weight: 3, arbitrary: textArb() }, { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) }, { weight: 1, arbitrary: hostileText })

/** Pool names: `existing` (so that some values select real pools), patterns, near misses. */
export const poolNameArb = (existing: readonly string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...existing) },
    { weight: 2, arbitrary: fc.constantFrom('*', 'fuzz-*', '?uzz*', '[a-z]*', 'missing-pool', 'Pool-A') },
    { weight: 1, arbitrary: fc.constantFrom('', '[', 'a[b]', '[]a]', '[z-a]', '\\', 'a\\', '[^]', '[!') },
    { weight: 1, arbitrary: textArb(20) },
  )

const nameListArb = (existing: readonly string[]) =>
  mostly(fc.array(poolNameArb(existing), { maxLength: 3 }), fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })))

const nicArb = mostly(fc.constantFrom('eth0', 'net1', 'net2', ''), fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 1 })))

/** Go reads keys case-insensitively: so must we. */
const keyCase = (key: string) => fc.constantFrom(key, key.toUpperCase(), key[0]?.toUpperCase() + key.slice(1))

const objectWith = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .tuple(
      ...Object.entries(fields).map(([key, value]) => fc.option(fc.tuple(keyCase(key), value), { freq: 6, nil: undefined })),
      fc.option(fc.tuple(textArb(8), fc.jsonValue({ maxDepth: 1 })), { nil: undefined }),
    )
    .map((entries) => Object.fromEntries(entries.filter((e): e is [string, unknown] => e !== undefined)))

const asJson = (arb: fc.Arbitrary<unknown>) =>
  mostly(
    arb.map((v) => JSON.stringify(v)),
    garbage,
  )

const cidrOrNot = mostly(
  fc.oneof(
    fc.constantFrom('198.18.200.0/24', '10.0.0.0/8', 'fd00:198:18::/64', '0.0.0.0/0'),
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`),
  ),
  fc.oneof(fc.constantFrom('198.18.200.0', '10.0.0.0/33', 'fd00::/129', '198.18.200.0/24 ', '::ffff:1.2.3.4/120'), textArb(20)),
)
const ipOrNot = mostly(fc.oneof(fc.constantFrom('198.18.200.1', '198.18.201.1', 'fd00:198:18::1'), fc.ipV4(), fc.ipV6()), textArb(20))

/** The value of each pod annotation Spinneret reads. */
export const podAnnotationValueArb = (key: string, existing: readonly string[]): fc.Arbitrary<string> => {
  const names = nameListArb(existing)
  switch (key) {
    case AnnotationKey.ippool:
      return asJson(objectWith({ ipv4: names, ipv6: names }))
    case AnnotationKey.ippools:
      return asJson(
        mostly(
          fc.array(objectWith({ interface: nicArb, ipv4: names, ipv6: names, cleangateway: mostly(fc.boolean(), fc.jsonValue({ maxDepth: 1 })) }), {
            maxLength: 3,
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      )
    case AnnotationKey.subnet:
      return asJson(objectWith({ interface: nicArb, ipv4: names, ipv6: names }))
    case AnnotationKey.subnets:
      return asJson(mostly(fc.array(objectWith({ interface: nicArb, ipv4: names, ipv6: names }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })))
    case AnnotationKey.ippoolIPNumber:
      return mostly(fc.constantFrom('1', '2', '+0', '+1', '0', '-1', '1.5', '', '+', '99999999999999999999'), garbage)
    case AnnotationKey.ippoolReclaim:
      return mostly(fc.constantFrom('true', 'false', 'True', '1', '0', 'F', 'yes', ''), garbage)
    case AnnotationKey.routes:
      return asJson(mostly(fc.array(objectWith({ dst: cidrOrNot, gw: ipOrNot }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })))
    case AnnotationKey.multusDefaultNetwork:
      return mostly(fc.constantFrom('kube-system/macvlan-conf', 'macvlan-conf', 'ns/name@eth0', 'a/b/c', 'a@b@c', ' /x', 'UPPER/case'), garbage)
    case AnnotationKey.multusNetworks:
      return mostly(
        fc.oneof(
          fc.constantFrom('macvlan-conf', 'kube-system/macvlan-conf@net1, other', 'a,,b', 'x@'),
          fc
            .array(objectWith({ name: mostly(fc.constantFrom('macvlan-conf', ''), fc.jsonValue({ maxDepth: 1 })), namespace: nicArb, interface: nicArb }), {
              maxLength: 2,
            })
            .map((v) => JSON.stringify(v)),
        ),
        garbage,
      )
    default:
      return garbage
  }
}

const POD_KEYS = [
  AnnotationKey.ippool,
  AnnotationKey.ippools,
  AnnotationKey.subnet,
  AnnotationKey.subnets,
  AnnotationKey.ippoolIPNumber,
  AnnotationKey.ippoolReclaim,
  AnnotationKey.routes,
  AnnotationKey.multusDefaultNetwork,
  AnnotationKey.multusNetworks,
] as const

/**
 * A pod's annotations: a few of Spinneret's keys (a pool key most of the time, so allocation goes
 * past the tier that names pools), and sometimes a key of no one's.
 */
export const podAnnotationsArb = (existing: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc
    .tuple(
      fc.subarray([...POD_KEYS], { maxLength: 3 }),
      fc.option(fc.constantFrom(AnnotationKey.ippool, AnnotationKey.ippools), { freq: 2, nil: undefined }),
      fc.option(fc.tuple(fc.constantFrom('example.com/other', 'ipam.spidernet.io/unknown'), textArb()), { nil: undefined }),
    )
    .chain(([keys, poolKey, other]) => {
      const all = [...new Set([...keys, ...(poolKey ? [poolKey] : [])])]
      return fc.tuple(...all.map((key) => podAnnotationValueArb(key, existing).map((value) => [key, value] as const))).map((pairs) => ({
        ...Object.fromEntries(pairs),
        ...(other ? { [other[0]]: other[1] } : {}),
      }))
    })

/** A namespace's default pools: JSON lists of names, or anything. */
export const namespaceAnnotationsArb = (existing: readonly string[]): fc.Arbitrary<Record<string, string>> =>
  fc.record(
    {
      [AnnotationKey.defaultIPv4IPPool]: asJson(nameListArb(existing)),
      [AnnotationKey.defaultIPv6IPPool]: asJson(nameListArb(existing)),
    },
    { requiredKeys: [] },
  )
