import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { parseSpiderSubnet } from './spider-subnet.ts'

const subnet6 = {
  apiVersion: 'spiderpool.spidernet.io/v2beta1',
  kind: 'SpiderSubnet',
  metadata: { name: 'subnet-6', resourceVersion: '7' },
  spec: {
    ipVersion: 4,
    subnet: '10.6.0.0/16',
    ips: ['10.6.168.61-10.6.168.70'],
    excludeIPs: ['10.6.168.70'],
    gateway: '10.6.0.1',
    routes: [{ dst: '10.7.0.0/16', gw: '10.6.0.1' }],
  },
  status: {
    controlledIPPools: '{"test-ippool-6":{"ips":["10.6.168.61-10.6.168.70"]}}',
    allocatedIPCount: 10,
    totalIPCount: 10,
  },
}

describe('parseSpiderSubnet', () => {
  it("reads a subnet of the seed scenario, and drops an older Spiderpool's vlan as v1.2's CRD does", () => {
    const subnet = parseSpiderSubnet(subnet6)
    expect(subnet.spec).toEqual(subnet6.spec)
    expect(parseSpiderSubnet({ ...subnet6, spec: { ...subnet6.spec, vlan: 7 } }).spec).toEqual(subnet6.spec)
    expect(subnet.status).toEqual(subnet6.status)
  })

  it('reads a subnet without status as an empty status', () => {
    expect(parseSpiderSubnet({ metadata: { name: 's' }, spec: { subnet: '10.6.0.0/16' } }).status).toEqual({})
  })

  it.each([
    [{ ...subnet6, spec: { ...subnet6.spec, ipVersion: 5 } }, 'SpiderSubnet subnet-6: spec.ipVersion: '],
    [{ ...subnet6, spec: { ips: [] } }, 'SpiderSubnet subnet-6: spec.subnet: '],
    [{ ...subnet6, status: { controlledIPPools: 1 } }, 'SpiderSubnet subnet-6: status.controlledIPPools: '],
    [{ ...subnet6, status: { totalIPCount: '10' } }, 'SpiderSubnet subnet-6: status.totalIPCount: '],
    [{ ...subnet6, kind: 'SpiderIPPool' }, 'SpiderSubnet subnet-6: kind: '],
  ])('refuses a malformed subnet: %#', (input, prefix) => {
    expect(() => parseSpiderSubnet(input)).toThrow(IpamError)
    expect(() => parseSpiderSubnet(input)).toThrow(prefix)
  })
})
