import { describe, expect, it } from 'vitest'
import { parseSpiderIPPool } from '../api/index.ts'
import { annotationRoutesByNic, nicDetail } from './nic-detail.ts'

const pool = (name: string, subnet: string, extra: Record<string, unknown> = {}) =>
  parseSpiderIPPool({ metadata: { name }, spec: { subnet, ips: [], ...extra } })

describe('annotationRoutesByNic (Spiderpool: groupCustomRoutes)', () => {
  const a = pool('a', '10.6.0.0/16')
  const a6 = pool('a6', 'fd00:6::/64')
  const b = pool('b', '10.7.0.0/16')
  const routes = [
    { dst: '172.16.0.0/16', gw: '10.7.0.1' },
    { dst: '172.17.0.0/16', gw: '10.6.0.1' },
    { dst: 'fd01::/64', gw: 'fd00:6::1' },
    { dst: '172.18.0.0/16', gw: '192.0.2.1' },
  ]

  it("gives each route to the NIC whose subnet holds its gateway, and drops a route nobody's subnet holds", () => {
    const got = annotationRoutesByNic(
      [
        { nic: 'eth0', pools: [a, a6] },
        { nic: 'net1', pools: [b] },
      ],
      routes,
    )
    expect(Object.fromEntries(got)).toEqual({
      eth0: [routes[1], routes[2]],
      net1: [routes[0]],
    })
  })

  it('gives a route to the first such NIC only, never to two NICs of one subnet', () => {
    const got = annotationRoutesByNic(
      [
        { nic: 'eth0', pools: [a] },
        { nic: 'net1', pools: [pool('a2', '10.6.0.0/16')] },
      ],
      routes,
    )
    expect(got.get('eth0')).toEqual([routes[1]])
    expect(got.get('net1')).toEqual([])
  })

  it("puts a NIC's routes in its entry, pool routes first", () => {
    const withRoutes = pool('r', '10.6.0.0/16', { routes: [{ dst: '10.8.0.0/16', gw: '10.6.0.254' }], gateway: '10.6.0.1' })
    const detail = nicDetail('eth0', { v4: { ip: '10.6.0.5', pool: withRoutes } }, false, [routes[1]!])
    expect(detail).toEqual({
      interface: 'eth0',
      cleanGateway: false,
      vlan: 0,
      ipv4: '10.6.0.5/16',
      ipv4Pool: 'r',
      ipv4Gateway: '10.6.0.1',
      routes: [{ dst: '10.8.0.0/16', gw: '10.6.0.254' }, routes[1]],
    })
  })
})
