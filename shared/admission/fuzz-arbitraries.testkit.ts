/**
 * Test-only: SpiderIPPool, SpiderSubnet and SpiderReservedIP objects as users write them, with
 * address ranges of every size: a single address, a /31, a /64 of IPv6, all of IPv6 (`::/0`, 2^128
 * addresses). Subnets are random prefixes of random addresses; entries are ranges inside them
 * most of the time, sometimes outside, reversed, of the other family, or not addresses at all.
 */
import fc from 'fast-check'
import { garbage, mostly, textArb } from '../annotations/fuzz-arbitraries.testkit.ts'
import { bigIntToIp, familyBits, maxAddressValue, type IpFamily } from '../ip/index.ts'

export interface Space {
  family: IpFamily
  network: bigint
  prefix: number
  /** The subnet's last address. */
  last: bigint
}

/** A prefix of a random address: short prefixes (huge subnets) as often as long ones. */
export const spaceArb: fc.Arbitrary<Space> = fc
  .constantFrom<IpFamily>(4, 6, 6)
  .chain((family) =>
    fc.tuple(
      fc.constant(family),
      fc.bigInt({ min: 0n, max: maxAddressValue(family) }),
      fc.oneof(fc.integer({ min: 0, max: familyBits(family) }), fc.constantFrom(0, 1, 8, familyBits(family) - 1, familyBits(family))),
    ),
  )
  .map(([family, address, prefix]) => {
    const host = (1n << BigInt(familyBits(family) - prefix)) - 1n
    const network = address & (maxAddressValue(family) ^ host)
    return { family, network, prefix, last: network | host }
  })

const ip = (space: Space, value: bigint) => bigIntToIp(value, space.family)

/** An address of the subnet: its ends, near them, or anywhere. */
const addressIn = (space: Space) =>
  fc.oneof(
    fc.constantFrom(space.network, space.last, space.network + (space.last > space.network ? 1n : 0n)),
    fc.bigInt({ min: space.network, max: space.last }),
  )

/** An `ips` entry: a range of the subnet (up to all of it), a single address, or a near miss. */
export const entryArb = (space: Space): fc.Arbitrary<string> =>
  mostly(
    fc.oneof(
      fc.tuple(addressIn(space), addressIn(space)).map(([a, b]) => (a === b ? ip(space, a) : `${ip(space, a < b ? a : b)}-${ip(space, a < b ? b : a)}`)),
      fc.constant(`${ip(space, space.network)}-${ip(space, space.last)}`),
      addressIn(space).map((v) => ip(space, v)),
    ),
    fc.oneof(
      // Reversed (a single-address subnet has no two addresses to reverse: the next one then).
      fc
        .tuple(addressIn(space), addressIn(space))
        .map(([a, b]) => (a === b ? `${ip(space, a)}-${ip(space, a === 0n ? a : a - 1n)}` : `${ip(space, a > b ? a : b)}-${ip(space, a > b ? b : a)}`)),
      fc.bigInt({ min: 0n, max: maxAddressValue(space.family) }).map((v) => ip(space, v)),
      fc.oneof(fc.ipV4(), fc.ipV6()),
      addressIn(space).map((v) => `${ip(space, v)} - ${ip(space, v)}`),
      textArb(12),
    ),
    6,
  )

/**
 * Disjoint entries, in order: sorted distinct addresses paired off, each pair a range (or one
 * address). Short ranges (a pool must fit its status) as often as ranges up to the whole subnet.
 */
const disjointEntriesArb = (space: Space) =>
  fc
    .oneof(
      fc.uniqueArray(addressIn(space), { maxLength: 6 }),
      fc
        .tuple(addressIn(space), fc.bigInt({ min: 0n, max: 3000n }))
        .map(([start, length]) => [start, start + length > space.last ? space.last : start + length]),
    )
    .map((points) => {
      const sorted = [...new Set(points)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const entries: string[] = []
      for (let i = 0; i < sorted.length; i += 2) {
        const [a, b] = [sorted[i] as bigint, sorted[i + 1] ?? (sorted[i] as bigint)]
        entries.push(a === b ? ip(space, a) : `${ip(space, a)}-${ip(space, b)}`)
      }
      return entries
    })

/** `ips` or `excludeIPs`: disjoint entries most of the time, else entries of any kind. */
const entriesArb = (space: Space) => mostly(disjointEntriesArb(space), fc.array(entryArb(space), { maxLength: 4 }), 6)

const routeArb = (space: Space) =>
  fc.record({
    dst: mostly(
      fc
        .tuple(spaceArb, fc.constant(space.family))
        .map(([other, family]) => `${bigIntToIp(other.network & maxAddressValue(family), family)}/${Math.min(other.prefix, familyBits(family))}`),
      fc.oneof(fc.constantFrom('0.0.0.0/0', '::/0', '10.0.0.0/33'), textArb(10)),
    ),
    gw: mostly(
      addressIn(space).map((v) => ip(space, v)),
      fc.oneof(fc.ipV4(), fc.ipV6(), textArb(10)),
    ),
  })

const expressionArb = mostly(
  fc.oneof(
    fc.record({
      key: fc.constantFrom('app', 'zone'),
      operator: fc.constantFrom('In', 'NotIn'),
      values: fc.array(fc.constantFrom('a', 'b'), { minLength: 1, maxLength: 2 }),
    }),
    fc.record({ key: fc.constantFrom('app', 'zone'), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
  ),
  fc.record(
    { key: fc.constantFrom('app', ''), operator: fc.constantFrom('In', 'Exists', 'Gt'), values: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }) },
    { requiredKeys: ['key', 'operator'] },
  ),
  8,
)

const selectorArb = mostly(
  fc.oneof(
    fc.record({ matchLabels: fc.dictionary(fc.constantFrom('app', 'zone', 'kubernetes.io/hostname'), fc.constantFrom('a', 'b', 'web'), { minKeys: 1 }) }),
    fc.record({ matchExpressions: fc.array(expressionArb, { minLength: 1, maxLength: 2 }) }),
  ),
  fc.oneof(fc.constant({}), garbage),
  30,
)

export interface AddressSpecParts {
  space: Space
  spec: Record<string, unknown>
}

/** The spec fields pools and subnets share, written for `space`, each field sometimes absent or broken. */
export const addressSpecArb = (space: Space) =>
  fc.record(
    {
      ipVersion: mostly(fc.constant(space.family), fc.oneof(fc.constant(space.family === 4 ? 6 : 4), fc.constantFrom(0, 5, '4')), 20),
      subnet: mostly(
        fc.constant(`${ip(space, space.network)}/${space.prefix}`),
        fc.oneof(
          addressIn(space).map((v) => `${ip(space, v)}/${space.prefix}`),
          fc.constant(`${ip(space, space.network).toUpperCase()}/${space.prefix}`),
          fc.constant(`${ip(space, space.network)}/0${space.prefix}`),
          textArb(10),
        ),
        20,
      ),
      ips: entriesArb(space),
      excludeIPs: entriesArb(space),
      gateway: mostly(
        addressIn(space).map((v) => ip(space, v)),
        fc.oneof(fc.ipV4(), fc.ipV6(), textArb(8)),
      ),
      routes: mostly(fc.constant([]), fc.array(routeArb(space), { minLength: 1, maxLength: 2 }), 2),
      vlan: mostly(fc.integer({ min: 0, max: 4094 }), fc.constantFrom(-1, 4095), 20),
    },
    { requiredKeys: ['subnet'] },
  )

const nameArb = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/), fc.constantFrom('fuzz-pool', 'fuzz-other'))

/** A raw SpiderIPPool: what `kubectl apply` sends, before the CRD schema or a webhook saw it. */
export const rawPoolArb = (name = nameArb) =>
  spaceArb.chain((space) =>
    fc
      .tuple(
        name,
        addressSpecArb(space),
        fc.record(
          {
            podAffinity: selectorArb,
            nodeAffinity: selectorArb,
            namespaceAffinity: selectorArb,
            disable: fc.boolean(),
            default: fc.boolean(),
            nodeName: fc.array(fc.constantFrom('node-a', 'node-b'), { maxLength: 2 }),
            multusName: fc.array(fc.constantFrom('kube-system/macvlan-conf', 'macvlan'), { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
        fc.option(fc.dictionary(fc.constantFrom('10.0.0.1', 'fd00::1', 'garbage'), fc.record({ pod: fc.constant('ns/pod'), podUid: fc.uuid() })), {
          freq: 4,
          nil: undefined,
        }),
      )
      .map(([n, spec, extra, records]) => ({
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        kind: 'SpiderIPPool',
        metadata: { name: n, uid: `uid-${n}` },
        spec: { ...spec, ...extra },
        ...(records ? { status: { allocatedIPs: JSON.stringify(records) } } : {}),
      })),
  )

export const rawSubnetArb = (name = nameArb) =>
  spaceArb.chain((space) =>
    fc.tuple(name, addressSpecArb(space)).map(([n, spec]) => ({
      apiVersion: 'spiderpool.spidernet.io/v2beta1',
      kind: 'SpiderSubnet',
      metadata: { name: n, uid: `uid-${n}` },
      spec,
    })),
  )

export const rawReservedIPArb = (name = nameArb) =>
  spaceArb.chain((space) =>
    fc
      .tuple(name, fc.record({ ipVersion: mostly(fc.constant(space.family), fc.constantFrom(4, 6)), ips: entriesArb(space) }, { requiredKeys: [] }))
      .map(([n, spec]) => ({ apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderReservedIP', metadata: { name: n }, spec })),
  )
