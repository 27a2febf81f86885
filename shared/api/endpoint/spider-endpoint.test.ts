import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { parseSpiderEndpoint } from './spider-endpoint.ts'

const endpoint = () => ({
  apiVersion: 'spiderpool.spidernet.io/v2beta1',
  kind: 'SpiderEndpoint',
  metadata: {
    name: 'test-app-j9ftl',
    namespace: 'default',
    finalizers: ['spiderpool.spidernet.io'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'test-app-j9ftl', uid: '8d2c7a3e', controller: true, blockOwnerDeletion: true }],
  },
  status: {
    current: {
      uid: '8d2c7a3e',
      node: 'controller-node-1',
      ips: [
        {
          interface: 'eth0',
          ipv4: '10.6.168.65/16',
          ipv4Pool: 'test-ippool-6',
          ipv4Gateway: '10.6.0.1',
          vlan: 0,
          cleanGateway: false,
          routes: [{ dst: '10.7.0.0/16', gw: '10.6.0.1' }],
        },
      ],
    },
    ownerControllerType: 'DaemonSet',
    ownerControllerName: 'test-app',
  },
})

describe('parseSpiderEndpoint', () => {
  it('reads an endpoint as Spiderpool writes it', () => {
    expect(parseSpiderEndpoint(endpoint())).toEqual(endpoint())
  })

  it('defaults a NIC vlan to 0, as the CRD does', () => {
    const e = endpoint()
    const input = { ...e, status: { ...e.status, current: { ...e.status.current, ips: [{ interface: 'net1', ipv6: 'fd00::5/64' }] } } }
    expect(parseSpiderEndpoint(input).status.current.ips[0]).toEqual({ interface: 'net1', ipv6: 'fd00::5/64', vlan: 0 })
  })

  it("keeps a NIC's mac, which Spiderpool v1.2 records for external systems", () => {
    const e = endpoint()
    const nic = { interface: 'eth0', ipv4: '10.6.0.5/16', mac: 'aa:bb:cc:dd:ee:ff', vlan: 12 }
    const input = { ...e, status: { ...e.status, current: { ...e.status.current, ips: [nic] } } }
    expect(parseSpiderEndpoint(input).status.current.ips[0]).toEqual(nic)
  })

  it.each([
    [(e: ReturnType<typeof endpoint>) => ({ ...e, status: undefined }), 'status'],
    [(e: ReturnType<typeof endpoint>) => ({ ...e, status: { ...e.status, current: { ...e.status.current, uid: 1 } } }), 'status.current.uid'],
    [
      (e: ReturnType<typeof endpoint>) => ({
        ...e,
        status: { ...e.status, current: { ...e.status.current, ips: [{ ipv4: '10.0.0.1/24' }] } },
      }),
      'status.current.ips[0].interface',
    ],
    [(e: ReturnType<typeof endpoint>) => ({ ...e, status: { ...e.status, ownerControllerType: undefined } }), 'status.ownerControllerType'],
  ])('refuses a malformed endpoint: %#', (mutate, path) => {
    const input = mutate(endpoint())
    expect(() => parseSpiderEndpoint(input)).toThrow(IpamError)
    expect(() => parseSpiderEndpoint(input)).toThrow(`SpiderEndpoint test-app-j9ftl: ${path}: `)
  })
})
