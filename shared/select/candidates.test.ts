import { describe, expect, it } from 'vitest'
import { refusal } from '../annotations/refusal.testkit.ts'
import { selectCandidates, type CandidateRequest } from './candidates.ts'
import { pool } from './pools.testkit.ts'

const IPPOOL = 'ipam.spidernet.io/ippool'
const IPPOOLS = 'ipam.spidernet.io/ippools'
const SUBNET = 'ipam.spidernet.io/subnet'
const SUBNETS = 'ipam.spidernet.io/subnets'
const NS_V4 = 'ipam.spidernet.io/default-ipv4-ippool'
const NS_V6 = 'ipam.spidernet.io/default-ipv6-ippool'

const pools = [
  pool('pod-a'),
  pool('pod-b'),
  pool('pod-a6', 6),
  pool('ns-a'),
  pool('cni-a'),
  pool('def-b', 4, { default: true }),
  pool('def-a', 4, { default: true }),
  pool('def-6', 6, { default: true }),
  pool('v4-x'),
  pool('v4-y'),
  pool('v4-z6', 6),
]

const request = (over: Partial<CandidateRequest> = {}): CandidateRequest => ({
  nic: 'eth0',
  podAnnotations: {},
  namespaceAnnotations: {},
  pools,
  ...over,
})

const everyTier = {
  podAnnotations: {
    [SUBNET]: '{"ipv4":["subnet-6"]}',
    [IPPOOLS]: '[{"interface":"eth0","ipv4":["pod-b"]}]',
    [IPPOOL]: '{"ipv4":["pod-a"]}',
  },
  namespaceAnnotations: { [NS_V4]: '["ns-a"]' },
  cniDefaultIPv4IPPool: ['cni-a'],
}

describe('selectCandidates: the first tier that names pools wins', () => {
  it.each([
    ['subnet', everyTier],
    ['pod-ippools', { ...everyTier, podAnnotations: { ...everyTier.podAnnotations, [SUBNET]: undefined } }],
    ['pod-ippool', { ...everyTier, podAnnotations: { [IPPOOL]: '{"ipv4":["pod-a"]}' } }],
    ['namespace-default', { ...everyTier, podAnnotations: {} }],
    ['cni-config', { ...everyTier, podAnnotations: {}, namespaceAnnotations: {} }],
    ['cluster-default', { podAnnotations: {}, namespaceAnnotations: {} }],
  ])('%s', (tier, over) => {
    const podAnnotations = Object.fromEntries(Object.entries(over.podAnnotations).filter((e): e is [string, string] => e[1] !== undefined))
    expect(selectCandidates(request({ ...over, podAnnotations })).tier).toBe(tier)
  })

  it("no tier: Spiderpool's refusal", () => {
    expect(refusal(() => selectCandidates(request({ pools: [pool('p')] })))).toEqual({
      code: 'no-pool',
      message: 'no IPPool available, no pool selection rules of any type are specified',
    })
  })

  it('does not read lower tiers, so their mistakes do not matter', () => {
    const got = selectCandidates(
      request({
        podAnnotations: { [IPPOOLS]: '[{"interface":"eth0","ipv4":["pod-a"]}]', [IPPOOL]: 'garbage' },
        namespaceAnnotations: { [NS_V4]: 'garbage' },
      }),
    )
    expect(got).toEqual({
      tier: 'pod-ippools',
      current: { nic: 'eth0', ipv4: ['pod-a'], cleanGateway: false },
      nics: [{ nic: 'eth0', ipv4: ['pod-a'], cleanGateway: false }],
    })
  })

  it('a malformed winning tier is refused, naming its key', () => {
    expect(refusal(() => selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":"p"}' } })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${IPPOOL}: ipv4: must be a list of names`,
    })
  })
})

describe('selectCandidates: pod annotations', () => {
  it("ippool: the seed scenario keeps the user's order; the NIC is IPv4-only", () => {
    const got = selectCandidates(
      request({
        podAnnotations: { [IPPOOL]: '{"ipv4": ["test-ippool-6", "test-ippool-7"]}' },
        pools: [pool('test-ippool-7'), pool('test-ippool-6')],
      }),
    )
    expect(got).toEqual({
      tier: 'pod-ippool',
      current: { nic: 'eth0', ipv4: ['test-ippool-6', 'test-ippool-7'], cleanGateway: false },
      nics: [{ nic: 'eth0', ipv4: ['test-ippool-6', 'test-ippool-7'], cleanGateway: false }],
    })
  })

  it('ippool: dual stack, cleanGateway from the request', () => {
    const got = selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["pod-b","pod-a"],"ipv6":["pod-a6"]}' }, cleanGateway: true }))
    expect(got.tier === 'subnet' ? undefined : got.current).toEqual({
      nic: 'eth0',
      ipv4: ['pod-b', 'pod-a'],
      ipv6: ['pod-a6'],
      cleanGateway: true,
    })
  })

  it('ippools: every NIC is returned, each with its own cleangateway', () => {
    const raw = JSON.stringify([
      { interface: 'eth0', ipv4: ['pod-a'], cleangateway: true },
      { interface: 'net1', ipv4: ['v4-*'], ipv6: ['v4-*'] },
    ])
    const got = selectCandidates(request({ nic: 'net1', podAnnotations: { [IPPOOLS]: raw }, cleanGateway: true }))
    expect(got).toEqual({
      tier: 'pod-ippools',
      current: { nic: 'net1', ipv4: ['v4-x', 'v4-y'], ipv6: ['v4-z6'], cleanGateway: false },
      nics: [
        { nic: 'eth0', ipv4: ['pod-a'], cleanGateway: true },
        { nic: 'net1', ipv4: ['v4-x', 'v4-y'], ipv6: ['v4-z6'], cleanGateway: false },
      ],
    })
  })

  it('ippools: the current NIC must be listed', () => {
    const raw = '[{"interface":"eth0","ipv4":["pod-a"]}]'
    expect(refusal(() => selectCandidates(request({ nic: 'net1', podAnnotations: { [IPPOOLS]: raw } })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${IPPOOLS}: interface net1 must be specified`,
    })
  })

  it('wildcards expand against the pools of the listed family only', () => {
    const got = selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["v4-*"]}' } }))
    expect(got.tier === 'subnet' ? undefined : got.current.ipv4).toEqual(['v4-x', 'v4-y'])
  })

  it('a family whose patterns match nothing cannot be served', () => {
    expect(refusal(() => selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["nope-*","none-?"]}' } })))).toEqual({
      code: 'no-pool',
      message: 'no IPPool available, no IPv4 IPPool of eth0 matches [nope-* none-?]',
    })
  })

  it('a pool named twice for one NIC is refused, as Spiderpool does; a pattern that also matches it is not', () => {
    expect(refusal(() => selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["pod-a","pod-b","pod-a"]}' } })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${IPPOOL}: duplicate IPPool pod-a specified for NIC eth0`,
    })
    expect(refusal(() => selectCandidates(request({ cniDefaultIPv4IPPool: ['cni-a', 'cni-a'] })))).toEqual({
      code: 'invalid-request',
      message: 'invalid CNI config default_ipv4_ippool/default_ipv6_ippool: duplicate IPPool cni-a specified for NIC eth0',
    })
    // "This one first, then the others": the listed name keeps its first place.
    const got = selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["v4-y","v4-*"]}' } }))
    expect(got.tier === 'subnet' ? undefined : got.current.ipv4).toEqual(['v4-y', 'v4-x'])
  })

  it('a bad pattern is a malformed annotation', () => {
    expect(refusal(() => selectCandidates(request({ podAnnotations: { [IPPOOL]: '{"ipv4":["p]x["]}' } })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${IPPOOL}: bad pattern "p]x[": unterminated [`,
    })
  })
})

describe('selectCandidates: subnet annotations (tier 1)', () => {
  it('subnet: the names and sizing, for the auto-pool machinery', () => {
    const got = selectCandidates(
      request({
        podAnnotations: {
          [SUBNET]: '{"ipv4":["subnet-6"],"ipv6":["subnet-6v6"]}',
          'ipam.spidernet.io/ippool-ip-number': '+2',
          'ipam.spidernet.io/ippool-reclaim': 'false',
        },
      }),
    )
    expect(got).toEqual({
      tier: 'subnet',
      nic: 'eth0',
      ipv4Subnet: 'subnet-6',
      ipv6Subnet: 'subnet-6v6',
      cleanGateway: false,
      ipNumber: { kind: 'flexible', extra: 2 },
      reclaim: false,
    })
  })

  it('subnets wins over subnet and picks the current NIC', () => {
    const got = selectCandidates(
      request({
        nic: 'net1',
        podAnnotations: {
          [SUBNETS]: '[{"interface":"eth0","ipv4":["s-a"]},{"interface":"net1","ipv4":["s-b"]}]',
          [SUBNET]: '{"ipv4":["s-z"]}',
        },
      }),
    )
    expect(got).toEqual({ tier: 'subnet', nic: 'net1', ipv4Subnet: 's-b', cleanGateway: false, reclaim: true })
  })

  it.each([
    [
      { [SUBNET]: '{"ipv4":["s"]}', 'ipam.spidernet.io/ippool-ip-number': '-1' },
      'invalid annotation ipam.spidernet.io/ippool-ip-number: "-1" is neither a count "N" (N >= 1) nor a spare "+N" (N >= 0)',
    ],
    [
      { [SUBNET]: '{"ipv4":["s"]}', 'ipam.spidernet.io/ippool-reclaim': 'maybe' },
      'invalid annotation ipam.spidernet.io/ippool-reclaim: "maybe" is not a boolean (true or false)',
    ],
  ])('refuses bad sizing %j', (podAnnotations, message) => {
    expect(refusal(() => selectCandidates(request({ podAnnotations })))).toEqual({ code: 'invalid-annotation', message })
  })

  it('refuses subnet annotations when auto pools are disabled', () => {
    expect(refusal(() => selectCandidates(request({ podAnnotations: { [SUBNET]: '{"ipv4":["s"]}' }, autoPools: false })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${SUBNET}: it's invalid to use '${SUBNETS}' or '${SUBNET}' annotation when Auto-Pool feature is disabled`,
    })
  })
})

describe('selectCandidates: defaults', () => {
  it('namespace: either family alone is enough', () => {
    const got = selectCandidates(request({ namespaceAnnotations: { [NS_V6]: '["pod-a6"]' } }))
    expect(got.tier === 'subnet' ? undefined : got.current).toEqual({ nic: 'eth0', ipv6: ['pod-a6'], cleanGateway: false })
  })

  it('namespace: empty lists fall through to the next tier', () => {
    const got = selectCandidates(request({ namespaceAnnotations: { [NS_V4]: '[]', [NS_V6]: '[]' }, cniDefaultIPv4IPPool: ['cni-a'] }))
    expect(got.tier).toBe('cni-config')
  })

  it('namespace: a bad pattern names the namespace key', () => {
    expect(refusal(() => selectCandidates(request({ namespaceAnnotations: { [NS_V6]: '["[]z]"]' } })))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ${NS_V6}: bad pattern "[]z]": unexpected ']' in [...]`,
    })
  })

  it('CNI config: wildcards too, and a bad pattern is a bad request', () => {
    const got = selectCandidates(request({ cniDefaultIPv4IPPool: ['v4-?'], cniDefaultIPv6IPPool: [] }))
    expect(got.tier === 'subnet' ? undefined : got.current).toEqual({ nic: 'eth0', ipv4: ['v4-x', 'v4-y'], cleanGateway: false })
    expect(refusal(() => selectCandidates(request({ cniDefaultIPv4IPPool: ['[]'] }))).code).toBe('invalid-request')
  })

  it('cluster defaults: every default pool, by family, in name order', () => {
    const got = selectCandidates(request({ nic: 'net1', cleanGateway: true }))
    expect(got).toEqual({
      tier: 'cluster-default',
      current: { nic: 'net1', ipv4: ['def-a', 'def-b'], ipv6: ['def-6'], cleanGateway: true },
      nics: [{ nic: 'net1', ipv4: ['def-a', 'def-b'], ipv6: ['def-6'], cleanGateway: true }],
    })
  })
})
