import { describe, expect, it } from 'vitest'
import { hasUnnamedIPPools, parseIPPoolsAnnotation } from './ippools.ts'
import { isUnclaimedNic, positionalNicName, unclaimedNic, unclaimedPosition } from './multi-nic.ts'
import { refusal } from './refusal.testkit.ts'

const K = 'invalid annotation ipam.spidernet.io/ippools'

describe('parseIPPoolsAnnotation', () => {
  it('returns every named entry in order and the current one', () => {
    const raw = JSON.stringify([
      { interface: 'eth0', ipv4: ['a'], ipv6: ['a6'], cleangateway: false },
      { interface: 'net1', ipv4: ['b'], cleangateway: true },
    ])
    const got = parseIPPoolsAnnotation(raw, 'net1')
    expect(got.named).toBe(true)
    expect(got.entries).toEqual([
      { nic: 'eth0', ipv4: ['a'], ipv6: ['a6'], cleanGateway: false },
      { nic: 'net1', ipv4: ['b'], ipv6: [], cleanGateway: true },
    ])
    expect(got.current).toEqual({ nic: 'net1', ipv4: ['b'], ipv6: [], cleanGateway: true })
  })

  it('maps unnamed entries by call order: entry 0 to this ADD, the others unclaimed', () => {
    const raw = '[{"ipv4":["a"]},{"ipv4":["b"]},{"ipv6":["c"]}]'
    const got = parseIPPoolsAnnotation(raw, 'eth0')
    expect(got.named).toBe(false)
    expect(got.entries.map((e) => e.nic)).toEqual(['eth0', unclaimedNic(1), unclaimedNic(2)])
    expect(got.current.ipv4).toEqual(['a'])
    expect(parseIPPoolsAnnotation(raw, 'eth1').current.nic).toBe('eth1')
    expect(hasUnnamedIPPools({ 'ipam.spidernet.io/ippools': raw })).toBe(true)
    expect(hasUnnamedIPPools({ 'ipam.spidernet.io/ippools': '[{"interface":"eth0","ipv4":["a"]}]' })).toBe(false)
  })

  it('names unclaimed entries so that no interface can be called so, and finds their place again', () => {
    expect([1, 7].map(unclaimedNic).every((nic) => /\s/.test(nic) && isUnclaimedNic(nic))).toBe(true)
    expect(unclaimedPosition(unclaimedNic(7))).toBe(7)
    expect(isUnclaimedNic('eth0')).toBe(false)
    expect([0, 1, 7].map(positionalNicName)).toEqual(['eth0', 'net1', 'net7'])
  })

  it('treats "interface": "" and null as unnamed', () => {
    const got = parseIPPoolsAnnotation('[{"interface":"","ipv4":["a"]},{"interface":null,"ipv4":["b"]}]', 'eth0')
    expect(got.entries.map((e) => e.nic)).toEqual(['eth0', unclaimedNic(1)])
  })

  it('reads "cleanGateway" spelled in camel case, as Go does', () => {
    const got = parseIPPoolsAnnotation('[{"interface":"eth0","ipv4":["a"],"cleanGateway":true}]', 'eth0')
    expect(got.current.cleanGateway).toBe(true)
  })

  it.each([
    ['[]', 'eth0', `${K}: value requires at least one item`],
    ['{"interface":"eth0"}', 'eth0', `${K}: must be a JSON list`],
    ['[{"interface":"eth0","ipv4":["a"]},{"ipv4":["b"]}]', 'eth0', `${K}: NIC should be either all specified or all unspecified`],
    ['[{"ipv4":["a"]},{"interface":"net1","ipv4":["b"]}]', 'eth0', `${K}: NIC should be either all specified or all unspecified`],
    ['[{"interface":"eth0","ipv4":["a"]},{"interface":"eth0","ipv4":["b"]}]', 'eth0', `${K}: duplicate interface eth0`],
    ['[{"interface":"eth0","ipv4":["a"]}]', 'net1', `${K}: interface net1 must be specified`],
    ['[{"interface":"eth0"}]', 'eth0', `${K}: interface eth0 names no IPv4 or IPv6 IPPool`],
    ['[{"interface":"eth0","ipv4":["a"],"cleangateway":"yes"}]', 'eth0', `${K}: [0].cleangateway: must be true or false`],
    ['[{"interface":"eth0","ipv4":[""]}]', 'eth0', `${K}: [0].ipv4[0]: names must not be empty`],
    ['[{"interface":3,"ipv4":["a"]}]', 'eth0', `${K}: [0].interface: must be a string`],
  ])('refuses %s for %s', (raw, nic, message) => {
    expect(refusal(() => parseIPPoolsAnnotation(raw, nic))).toEqual({ code: 'invalid-annotation', message })
  })
})
