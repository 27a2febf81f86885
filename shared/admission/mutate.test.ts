import { describe, expect, it } from 'vitest'
import { FINALIZER, parseSpiderIPPool, parseSpiderReservedIP, parseSpiderSubnet } from '../api/index.ts'
import { subnet } from '../reconcile/fixtures.testkit.ts'
import { cidrLabelValue } from './mutate-common.ts'
import { mutateIPPool } from './mutate-ippool.ts'
import { mutateReservedIP } from './mutate-reservedip.ts'
import { mutateSubnet } from './mutate-subnet.ts'
import type { Verdict } from './verdict.ts'

const patchOf = (verdict: Verdict) => (verdict.allowed ? (verdict.patch ?? []) : 'denied')
const rawPool = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ metadata: { name: 'p', ...metadata }, spec })
const mutatePool = (raw: ReturnType<typeof rawPool>, subnets = [] as ReturnType<typeof subnet>[]) =>
  patchOf(mutateIPPool({ raw, pool: parseSpiderIPPool(raw), subnets }))

describe('cidrLabelValue', () => {
  it.each([
    ['10.6.0.0/16', '10-6-0-0-16'],
    ['fd00:6::/64', 'fd00-6---64'],
    ['2001:db8:1:2:3:4:5:0/112', '2001-db8-1-2-3-4-5-0-112'],
  ])('%s -> %s', (cidr, label) => expect(cidrLabelValue(cidr)).toBe(label))
})

describe('mutateIPPool', () => {
  it('adds the finalizer, ipVersion, the CIDR label, and merges ips and excludeIPs', () => {
    expect(mutatePool(rawPool({ subnet: '10.6.0.0/16', ips: ['10.6.0.5', '10.6.0.1-10.6.0.4', '10.6.0.9'], excludeIPs: ['10.6.0.3', '10.6.0.2'] }))).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
      { op: 'add', path: '/spec/ipVersion', value: 4 },
      { op: 'add', path: '/metadata/labels', value: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16' } },
      { op: 'add', path: '/spec/ips', value: ['10.6.0.1-10.6.0.5', '10.6.0.9'] },
      { op: 'add', path: '/spec/excludeIPs', value: ['10.6.0.2-10.6.0.3'] },
    ])
  })

  it('merges an IPv6 list without walking the range', () => {
    expect(
      mutatePool(
        rawPool(
          { subnet: 'fd00:6::/64', ipVersion: 6, ips: ['fd00:6::1-fd00:6::ffff:ffff:ffff:ffff', 'fd00:6::5'] },
          { finalizers: [FINALIZER], labels: { 'ipam.spidernet.io/ippool-cidr': 'fd00-6---64' } },
        ),
      ),
    ).toEqual([{ op: 'add', path: '/spec/ips', value: ['fd00:6::1-fd00:6::ffff:ffff:ffff:ffff'] }])
  })

  it('changes nothing on a pool that has it all, nor on a terminating one', () => {
    const done = rawPool(
      { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.5'] },
      { finalizers: [FINALIZER], labels: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16' } },
    )
    expect(mutatePool(done)).toEqual([])
    expect(mutatePool(rawPool({ subnet: '10.6.0.0/16', ips: ['10.6.0.2', '10.6.0.1'] }, { deletionTimestamp: '2024-05-01T10:00:00Z' }))).toEqual([])
  })

  it('leaves a list with a bad entry for validation to name', () => {
    expect(
      mutatePool(
        rawPool(
          { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.0.2', 'nonsense'] },
          { finalizers: [FINALIZER], labels: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16' } },
        ),
      ),
    ).toEqual([])
  })

  const s6 = subnet('s6', { subnet: '10.6.0.0/16', gateway: '10.6.0.1', routes: [{ dst: '10.7.0.0/16', gw: '10.6.0.1' }] }, { metadata: { uid: 'uid-s6' } })
  const owner = { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderSubnet', name: 's6', uid: 'uid-s6', controller: true, blockOwnerDeletion: true }

  it('makes the SpiderSubnet of the same CIDR its controller and inherits gateway and routes', () => {
    expect(mutatePool(rawPool({ ipVersion: 4, subnet: '10.6.0.0/16' }, { finalizers: [FINALIZER] }), [s6])).toEqual([
      { op: 'add', path: '/metadata/ownerReferences', value: [owner] },
      { op: 'add', path: '/spec/gateway', value: '10.6.0.1' },
      { op: 'add', path: '/spec/routes', value: [{ dst: '10.7.0.0/16', gw: '10.6.0.1' }] },
      { op: 'add', path: '/metadata/labels', value: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16', 'ipam.spidernet.io/owner-spider-subnet': 's6' } },
    ])
  })

  it('keeps its own gateway and an explicitly empty routes list', () => {
    const patch = mutatePool(rawPool({ ipVersion: 4, subnet: '10.6.0.0/16', gateway: '10.6.0.254', routes: [] }, { finalizers: [FINALIZER] }), [s6])
    expect(patch).toContainEqual({ op: 'add', path: '/metadata/ownerReferences', value: [owner] })
    expect(JSON.stringify(patch)).not.toMatch(/gateway|\/spec\/routes/)
  })

  it('does not take a pool from another controller, nor a subnet of another CIDR', () => {
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u', controller: true }
    expect(JSON.stringify(mutatePool(rawPool({ subnet: '10.6.0.0/16' }, { ownerReferences: [other] }), [s6]))).not.toMatch(/ownerReferences/)
    expect(JSON.stringify(mutatePool(rawPool({ subnet: '10.6.0.0/24' }), [s6]))).not.toMatch(/owner/)
  })
})

describe('mutateSubnet', () => {
  it('adds the finalizer, ipVersion, the subnet-cidr label, and merges ips', () => {
    const raw = { metadata: { name: 's', labels: { team: 'a' } }, spec: { subnet: 'fd00:6::/64', ips: ['fd00:6::10', 'fd00:6::1-fd00:6::f'] } }
    expect(patchOf(mutateSubnet({ raw, subnet: parseSpiderSubnet(raw) }))).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
      { op: 'add', path: '/spec/ipVersion', value: 6 },
      { op: 'add', path: '/metadata/labels', value: { team: 'a', 'ipam.spidernet.io/subnet-cidr': 'fd00-6---64' } },
      { op: 'add', path: '/spec/ips', value: ['fd00:6::1-fd00:6::10'] },
    ])
  })
})

describe('mutateReservedIP', () => {
  it.each([
    [
      'IPv4',
      { ips: ['10.6.0.3', '10.6.0.1-10.6.0.2'] },
      [
        { op: 'add', path: '/spec/ipVersion', value: 4 },
        { op: 'add', path: '/spec/ips', value: ['10.6.0.1-10.6.0.3'] },
      ],
    ],
    ['IPv6', { ips: ['fd00::1-fd00::9'] }, [{ op: 'add', path: '/spec/ipVersion', value: 6 }]],
    ['nothing to derive from', { ips: [] }, []],
  ])('%s', (_, spec, expected) => {
    const raw = { metadata: { name: 'r' }, spec }
    expect(patchOf(mutateReservedIP({ raw, reservedIP: parseSpiderReservedIP(raw) }))).toEqual(expected)
  })

  it('adds spec itself when the object has none', () => {
    const raw = { metadata: { name: 'r' } }
    expect(patchOf(mutateReservedIP({ raw, reservedIP: parseSpiderReservedIP(raw) }))).toEqual([])
  })
})
