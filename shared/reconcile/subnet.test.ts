import { describe, expect, it } from 'vitest'
import { FINALIZER, IP_COUNT_CAP, parseControlledIPPools } from '../api/index.ts'
import { ownerLabels, pool, refusal, subnet, TERMINATING } from './fixtures.testkit.ts'
import { controlledPoolsOf, decideSubnet, nextSubnetStatus } from './subnet.ts'

const subnet6 = subnet('subnet-6', { ips: ['10.6.0.1-10.6.0.100'], excludeIPs: ['10.6.0.100'] })

describe('controlledPoolsOf', () => {
  it('takes the pools whose subnet is the same CIDR text and family', () => {
    const pools = [
      pool('same', { ips: ['10.6.0.1'] }),
      pool('other-cidr', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }),
      pool('narrower', { subnet: '10.6.0.0/24', ips: ['10.6.0.2'] }),
      pool('v6', { subnet: 'fd00:6::/64', ips: ['fd00:6::1'] }),
      pool('wrong-version', { ipVersion: 6, ips: [] }),
    ]
    expect(controlledPoolsOf(subnet6, pools).map((p) => p.metadata.name)).toEqual(['same'])
  })
})

describe('nextSubnetStatus', () => {
  it('lists each pool with its merged IPs and, for auto pools, the application', () => {
    const pools = [
      pool('manual', { ips: ['10.6.0.13', '10.6.0.10-10.6.0.12', '10.6.0.20'] }),
      pool('auto4-web-eth0-1a2b3', { ips: ['10.6.0.30-10.6.0.31'] }, { metadata: { labels: ownerLabels('apps_v1', 'Deployment', 'default', 'web') } }),
      pool('auto4-bare-eth0-9f8e7', { ips: ['10.6.0.40'] }, { metadata: { labels: ownerLabels('v1', 'Pod', 'ns', 'bare') } }),
      pool('elsewhere', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }),
    ]
    const status = nextSubnetStatus(subnet6, pools)
    expect(status?.controlledIPPools).toBe(
      '{"auto4-bare-eth0-9f8e7":{"ips":["10.6.0.40"],"application":"v1_Pod_ns_bare"},' +
        '"auto4-web-eth0-1a2b3":{"ips":["10.6.0.30-10.6.0.31"],"application":"apps_v1_Deployment_default_web"},' +
        '"manual":{"ips":["10.6.0.10-10.6.0.13","10.6.0.20"]}}',
    )
    expect(status).toMatchObject({ allocatedIPCount: 8, totalIPCount: 99 })
  })

  it.each([
    ['no pools', [], 0],
    ['an empty pool', [pool('p', {})], 0],
    ['two pools claiming one IP count it once', [pool('a', { ips: ['10.6.0.1-10.6.0.5'] }), pool('b', { ips: ['10.6.0.5-10.6.0.6'] })], 6],
    ['pool IPs outside the subnet IPs do not count', [pool('a', { ips: ['10.6.0.99-10.6.0.102'] })], 2],
    ['a pool IP the subnet excludes still counts as handed out', [pool('a', { ips: ['10.6.0.100'] })], 1],
  ])('allocatedIPCount with %s', (_, pools, expected) => {
    expect(nextSubnetStatus(subnet6, pools)?.allocatedIPCount).toBe(expected)
  })

  it('omits controlledIPPools when no pool is controlled', () => {
    const s = subnet('s', { ips: ['10.6.0.1-10.6.0.4'] }, { status: { controlledIPPools: '{"gone":{"ips":["10.6.0.1"]}}' } })
    expect(nextSubnetStatus(s, [])).toEqual({ allocatedIPCount: 0, totalIPCount: 4 })
  })

  it('caps a huge IPv6 subnet', () => {
    const s = subnet('s6', { subnet: 'fd00:6::/48', ips: ['fd00:6::-fd00:6:0:ffff:ffff:ffff:ffff:ffff'] })
    const p = pool('p6', { subnet: 'fd00:6::/48', ips: ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'] })
    expect(nextSubnetStatus(s, [p])).toMatchObject({ allocatedIPCount: IP_COUNT_CAP, totalIPCount: IP_COUNT_CAP })
    expect(parseControlledIPPools(nextSubnetStatus(s, [p])?.controlledIPPools, 's6')).toEqual({
      p6: { ips: ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'] },
    })
  })

  it('says nothing changed when the status is right, whatever the key order or spacing', () => {
    const pools = [pool('b', { ips: ['10.6.0.2'] }), pool('a', { ips: ['10.6.0.1'] })]
    const controlledIPPools = '{ "b": {"ips": ["10.6.0.2"]}, "a": {"ips": ["10.6.0.1"]} }'
    const s = subnet('s', { ips: ['10.6.0.1-10.6.0.4'] }, { status: { controlledIPPools, allocatedIPCount: 2, totalIPCount: 4 } })
    expect(nextSubnetStatus(s, pools)).toBeUndefined()
  })

  it('replaces a controlledIPPools that does not decode: it is rebuilt from the pools anyway', () => {
    const s = subnet('s', { ips: ['10.6.0.1-10.6.0.4'] }, { status: { controlledIPPools: '{', allocatedIPCount: 1, totalIPCount: 4 } })
    expect(nextSubnetStatus(s, [pool('a', { ips: ['10.6.0.1'] })])?.controlledIPPools).toBe('{"a":{"ips":["10.6.0.1"]}}')
  })

  it('refuses rather than understate when a controlled pool has IPs that do not parse', () => {
    const pools = [pool('good', { ips: ['10.6.0.1'] }), pool('bad', { ips: ['10.6.0.x'] })]
    expect(refusal(() => nextSubnetStatus(subnet6, pools))).toEqual({
      code: 'invalid-resource',
      message: "SpiderIPPool bad: spec.ips: invalid IP range '10.6.0.x': '10.6.0.x' is not an IP address",
    })
  })

  it('ignores a broken pool of another subnet', () => {
    const pools = [pool('good', { ips: ['10.6.0.1'] }), pool('bad', { subnet: '10.7.0.0/16', ips: ['nope'] })]
    expect(nextSubnetStatus(subnet6, pools)?.allocatedIPCount).toBe(1)
  })
})

describe('nextSubnetStatus and auto pools (the subnet is their registry)', () => {
  const web = ownerLabels('apps_v1', 'Deployment', 'default', 'web')
  const app = 'apps_v1_Deployment_default_web'
  const withEntries = (entries: Record<string, { ips: string[]; application?: string }>) =>
    subnet('subnet-6', subnet6.spec, { status: { controlledIPPools: JSON.stringify(entries) } })
  const entries = (s: ReturnType<typeof nextSubnetStatus>) => parseControlledIPPools(s?.controlledIPPools, 'subnet-6')

  it('keeps a reservation whose auto pool is not made yet, and drops an entry of a user pool that is gone', () => {
    const s = withEntries({ 'auto4-web-eth0-1a2b3': { ips: ['10.6.0.1-10.6.0.2'], application: app }, gone: { ips: ['10.6.0.9'] } })
    const status = nextSubnetStatus(s, [])
    expect(entries(status)).toEqual({ 'auto4-web-eth0-1a2b3': { ips: ['10.6.0.1-10.6.0.2'], application: app } })
    expect(status?.allocatedIPCount).toBe(2)
  })

  it('drops a reservation whose name a pool of another subnet holds', () => {
    const s = withEntries({ taken: { ips: ['10.6.0.1'], application: app } })
    expect(entries(nextSubnetStatus(s, [pool('taken', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] })]))).toEqual({})
  })

  it('keeps what an entry reserved ahead of its auto pool (a growth under way)', () => {
    const s = withEntries({ a: { ips: ['10.6.0.1-10.6.0.4'], application: app } })
    const p = pool('a', { ips: ['10.6.0.1-10.6.0.2'] }, { metadata: { labels: web } })
    expect(entries(nextSubnetStatus(s, [p]))).toEqual({ a: { ips: ['10.6.0.1-10.6.0.4'], application: app } })
  })

  it('does not take back what an auto pool excluded and its entry gave up (a shrink under way)', () => {
    const s = withEntries({ a: { ips: ['10.6.0.1-10.6.0.2'], application: app } })
    const p = pool('a', { ips: ['10.6.0.1-10.6.0.4'], excludeIPs: ['10.6.0.3-10.6.0.4'] }, { metadata: { labels: web } })
    expect(nextSubnetStatus(s, [p])).toMatchObject({ allocatedIPCount: 2 })
  })

  it('adds an auto pool address its entry lacks', () => {
    const s = withEntries({ a: { ips: ['10.6.0.1'], application: app } })
    const p = pool('a', { ips: ['10.6.0.1-10.6.0.2'] }, { metadata: { labels: web } })
    expect(entries(nextSubnetStatus(s, [p]))).toEqual({ a: { ips: ['10.6.0.1-10.6.0.2'], application: app } })
  })
})

describe('decideSubnet', () => {
  const p = pool('p', { ips: ['10.6.0.1'] })
  const upToDate = { controlledIPPools: '{"p":{"ips":["10.6.0.1"]}}', allocatedIPCount: 1, totalIPCount: 99 }

  it.each([
    ['live, without finalizer', [], undefined, [p], { finalizers: [FINALIZER], change: 'finalizer-added' }],
    ['live, with it', [FINALIZER], undefined, [p], undefined],
    ['terminating, controlling pools', [FINALIZER], TERMINATING, [p], undefined],
    ['terminating, controlling none', ['x.io/keep', FINALIZER], TERMINATING, [], { finalizers: ['x.io/keep'], change: 'finalizer-removed' }],
  ])('finalizer: %s', (_, finalizers, deletionTimestamp, pools, expected) => {
    const s = subnet('subnet-6', subnet6.spec, { metadata: { finalizers, deletionTimestamp }, status: upToDate })
    expect(decideSubnet(s, pools)).toEqual(expected === undefined ? {} : { finalizer: expected })
  })

  it('writes the status of a live subnet that needs it', () => {
    expect(decideSubnet(subnet6, [p])).toEqual({ status: upToDate })
  })
})
