import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { parseControlledIPPools, serializeControlledIPPools, type ControlledIPPools } from './controlled-ip-pools.ts'

// Kubernetes names, including all-digit ones ("123"), which JSON.stringify would reorder.
const nameArb = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/)
const entryArb = fc.record(
  {
    ips: fc.array(
      fc.oneof(
        fc.ipV4(),
        fc.tuple(fc.ipV4(), fc.ipV4()).map(([a, b]) => `${a}-${b}`),
      ),
      { maxLength: 4 },
    ),
    application: fc.constantFrom('apps_v1_Deployment_default_web', 'v1_Pod_ns_bare', 'batch_v1_Job_ns_j'),
  },
  { requiredKeys: ['ips'] },
)
const poolsArb: fc.Arbitrary<ControlledIPPools> = fc.dictionary(nameArb, entryArb)

describe('parseControlledIPPools', () => {
  it('reads what Spiderpool writes, with and without an application', () => {
    const json =
      '{"auto4-web-eth0-1a2b3":{"ips":["10.6.168.61-10.6.168.62"],"application":"apps_v1_Deployment_default_web"},' + '"test-ippool-6":{"ips":["10.6.168.63"]}}'
    expect(parseControlledIPPools(json, 'subnet-6')).toEqual({
      'auto4-web-eth0-1a2b3': { ips: ['10.6.168.61-10.6.168.62'], application: 'apps_v1_Deployment_default_web' },
      'test-ippool-6': { ips: ['10.6.168.63'] },
    })
    expect(serializeControlledIPPools(parseControlledIPPools(json, 'subnet-6'))).toBe(json)
  })

  it('reads a nil Go slice (`"ips":null`) as no IPs', () => {
    expect(parseControlledIPPools('{"p":{"ips":null}}', 's')).toEqual({ p: { ips: [] } })
  })

  it.each([undefined, '', 'null'])('reads %j as no pools', (json) => {
    expect(parseControlledIPPools(json, 's')).toEqual({})
  })

  it.each([
    ['{"p":', /^SpiderSubnet subnet-6: status\.controlledIPPools: not valid JSON: /],
    ['["p"]', /^SpiderSubnet subnet-6: status\.controlledIPPools: \(root\): /],
    ['{"p":{"ips":"10.0.0.1"}}', /^SpiderSubnet subnet-6: status\.controlledIPPools: p\.ips: /],
    ['{"p":{"ips":[],"application":3}}', /^SpiderSubnet subnet-6: status\.controlledIPPools: p\.application: /],
  ])('refuses %s', (json, message) => {
    expect(() => parseControlledIPPools(json, 'subnet-6')).toThrow(IpamError)
    expect(() => parseControlledIPPools(json, 'subnet-6')).toThrow(message)
  })
})

describe('serializeControlledIPPools', () => {
  it('omits the field when no pool is controlled', () => {
    expect(serializeControlledIPPools({})).toBeUndefined()
  })

  it('sorts pool names lexically, all-digit names included', () => {
    expect(serializeControlledIPPools({ b: { ips: [] }, '10': { ips: [] }, '9': { ips: [] }, a: { ips: [] } })).toBe(
      '{"10":{"ips":[]},"9":{"ips":[]},"a":{"ips":[]},"b":{"ips":[]}}',
    )
  })

  it('round-trips: parse(serialize(x)) equals x', () => {
    fc.assert(
      fc.property(poolsArb, (pools) => {
        expect(parseControlledIPPools(serializeControlledIPPools(pools), 's')).toEqual(pools)
      }),
    )
  })

  it('is deterministic under key order', () => {
    fc.assert(
      fc.property(poolsArb, (pools) => {
        const reversed = Object.fromEntries(Object.entries(pools).reverse())
        expect(serializeControlledIPPools(reversed)).toBe(serializeControlledIPPools(pools))
      }),
    )
  })
})
