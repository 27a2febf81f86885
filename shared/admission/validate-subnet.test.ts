import { describe, expect, it } from 'vitest'
import { KIND } from '../api/index.ts'
import { pool, subnet } from '../reconcile/fixtures.testkit.ts'
import { validateSubnet } from './validate-subnet.ts'
import type { Verdict } from './verdict.ts'

const message = (verdict: Verdict): string | undefined => (verdict.allowed ? undefined : verdict.status.message)
const prefix = 'SpiderSubnet.spiderpool.spidernet.io "s" is invalid: '

const subnets = [subnet('s6', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.100'] }), subnet('v6', { subnet: 'fd00:6::/64' })]
const pools = [
  pool('orphan7', { subnet: '10.7.0.0/16', ips: ['10.7.0.10-10.7.0.20'], excludeIPs: ['10.7.0.20'] }),
  pool('orphan8', { subnet: 'fd00:8::/64', ips: ['fd00:8::10'] }),
]
const create = (spec: Record<string, unknown>) => message(validateSubnet({ operation: 'CREATE', subnet: subnet('s', spec), subnets, pools }))

describe('validateSubnet on CREATE', () => {
  it.each([
    ['a disjoint IPv4 subnet', { subnet: '10.9.0.0/16', ips: ['10.9.0.1-10.9.255.254'], gateway: '10.9.0.1', excludeIPs: ['10.9.0.1'] }],
    ['a disjoint IPv6 subnet', { subnet: 'fd00:9::/64', ips: ['fd00:9::1-fd00:9::ffff:ffff:ffff:ffff'] }],
    ['the subnet of an orphan pool that covers it', { subnet: '10.7.0.0/16', ips: ['10.7.0.1-10.7.0.19'] }],
    ['the IPv6 subnet of an orphan pool that covers it', { subnet: 'fd00:8::/64', ips: ['fd00:8::1-fd00:8::ff'] }],
  ])('admits %s', (_, spec) => {
    expect(create(spec)).toBeUndefined()
  })

  it.each([
    [
      'an equal subnet (Spiderpool would let it pass)',
      { subnet: '10.6.0.0/16' },
      `spec.subnet: Invalid value: "10.6.0.0/16": overlap with Subnet s6 which 'spec.subnet' is 10.6.0.0/16`,
    ],
    ['a wider subnet', { subnet: '10.0.0.0/8' }, `spec.subnet: Invalid value: "10.0.0.0/8": overlap with Subnet s6 which 'spec.subnet' is 10.6.0.0/16`],
    [
      'a narrower IPv6 subnet',
      { subnet: 'fd00:6::/80' },
      `spec.subnet: Invalid value: "fd00:6::/80": overlap with Subnet v6 which 'spec.subnet' is fd00:6::/64`,
    ],
    [
      'a subnet over an orphan pool of another CIDR',
      { subnet: '10.7.0.0/24' },
      `spec.subnet: Invalid value: "10.7.0.0/24": overlap with SpiderIPPool 'orphan7' resource 'spec.subnet' 10.7.0.0/16`,
    ],
    [
      'the CIDR of an orphan pool it does not cover',
      { subnet: '10.7.0.0/16', ips: ['10.7.0.1-10.7.0.15'] },
      `spec.ips: Invalid value: ["10.7.0.1-10.7.0.15"]: SpiderIPPool 'orphan7' owns some IP addresses that SpiderSubnet 's' can't control`,
    ],
    [
      'an IPv6 orphan pool it does not cover',
      { subnet: 'fd00:8::/64' },
      `spec.ips: Invalid value: []: SpiderIPPool 'orphan8' owns some IP addresses that SpiderSubnet 's' can't control`,
    ],
    [
      'a non-canonical subnet',
      { subnet: '10.9.0.1/16' },
      'spec.subnet: Invalid value: "10.9.0.1/16": unformatted subnet 10.9.0.1/16, please change it to 10.9.0.0/16',
    ],
    [
      'an entry outside',
      { subnet: '10.9.0.0/16', ips: ['10.10.0.1'] },
      `spec.ips[0]: Invalid value: "10.10.0.1": not pertains to the 'spec.subnet' 10.9.0.0/16 of IPPool`,
    ],
    [
      'a gateway handed out',
      { subnet: 'fd00:9::/64', ips: ['fd00:9::1-fd00:9::9'], gateway: 'fd00:9::1' },
      `spec.ips[0]: Invalid value: "fd00:9::1-fd00:9::9": conflicts with 'spec.gateway' fd00:9::1, add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'`,
    ],
    [
      'a default route',
      { subnet: '10.9.0.0/16', routes: [{ dst: '0.0.0.0/0', gw: '10.9.0.1' }] },
      `spec.routes[0].dst: Invalid value: "0.0.0.0/0": please specify 'spec.gateway' to configure the default route`,
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(create(spec)).toBe(prefix + expected)
  })
})

describe('validateSubnet on UPDATE', () => {
  const stored = subnet('s', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.100'] })
  const members = [
    pool('member', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], excludeIPs: ['10.6.0.20'] }),
    pool(
      'owned',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.30'] },
      { metadata: { ownerReferences: [{ apiVersion: 'v', kind: KIND.subnet, name: 's', uid: 'u', controller: true }] } },
    ),
  ]
  const update = (spec: Record<string, unknown>) =>
    message(validateSubnet({ operation: 'UPDATE', oldSubnet: stored, subnet: subnet('s', spec), subnets: [stored], pools: members }))

  it.each([
    ['growing', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.200'] }],
    ['shrinking to what its pools use', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.19', '10.6.0.30'] }],
  ])('admits %s', (_, spec) => {
    expect(update(spec)).toBeUndefined()
  })

  it.each([
    ['a new subnet', { subnet: '10.7.0.0/16' }, 'spec.subnet: Forbidden: is not changeable'],
    ['a new ipVersion', { ipVersion: 6, subnet: '10.6.0.0/16' }, 'spec.ipVersion: Forbidden: is not changeable'],
    [
      'removing addresses a pool holds',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.15'] },
      `spec.ips: Forbidden: remove some IP ranges [10.6.0.16-10.6.0.19] that is being used by IPPool member, total IP addresses of an Subnet are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
    [
      'excluding an address an owned pool holds',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.100'], excludeIPs: ['10.6.0.30'] },
      `spec.ips: Forbidden: remove some IP ranges [10.6.0.30] that is being used by IPPool owned, total IP addresses of an Subnet are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(update(spec)).toBe(prefix + expected)
  })
})
