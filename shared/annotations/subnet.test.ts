import { describe, expect, it } from 'vitest'
import { refusal } from './refusal.testkit.ts'
import { parseSubnetAnnotation, parseSubnetsAnnotation, parseTemplateSubnets } from './subnet.ts'

const K1 = 'invalid annotation ipam.spidernet.io/subnet'
const KN = 'invalid annotation ipam.spidernet.io/subnets'

describe('parseSubnetAnnotation', () => {
  it.each([
    ['{"ipv4":["subnet-6"]}', 'eth0', { nic: 'eth0', ipv4: 'subnet-6' }],
    ['{"ipv4":["s4"],"ipv6":["s6"]}', 'net1', { nic: 'net1', ipv4: 's4', ipv6: 's6' }],
    // Spiderpool keeps only the first subnet of each family.
    ['{"ipv4":["a","b"]}', 'eth0', { nic: 'eth0', ipv4: 'a' }],
    // The single form serves whatever NIC is being set up.
    ['{"interface":"eth0","ipv6":["s6"]}', 'net1', { nic: 'net1', ipv6: 's6' }],
  ])('reads %s for %s', (raw, nic, want) => {
    expect(parseSubnetAnnotation(raw, nic)).toEqual(want)
  })

  it.each([
    ['{}', `${K1}: it's invalid to set dual empty subnet for interface eth0`],
    ['{"ipv4":[""]}', `${K1}: ipv4[0]: names must not be empty`],
    ['[{"ipv4":["a"]}]', `${K1}: must be a JSON object`],
    ['nope', `${K1}: not valid JSON: `],
  ])('refuses %s', (raw, message) => {
    const r = refusal(() => parseSubnetAnnotation(raw, 'eth0'))
    expect(r.code).toBe('invalid-annotation')
    expect(r.message.startsWith(message)).toBe(true)
  })
})

describe('parseSubnetsAnnotation', () => {
  it('resolves the current NIC among named entries', () => {
    const raw = '[{"interface":"eth0","ipv4":["s-a"]},{"interface":"net1","ipv4":["s-b"],"ipv6":["s-b6"]}]'
    const got = parseSubnetsAnnotation(raw, 'net1')
    expect(got.current).toEqual({ nic: 'net1', ipv4: 's-b', ipv6: 's-b6' })
    expect(got.entries).toHaveLength(2)
  })

  it('maps unnamed entries by position', () => {
    expect(parseSubnetsAnnotation('[{"ipv4":["a"]},{"ipv4":["b"]}]', 'net1').current).toEqual({ nic: 'net1', ipv4: 'b' })
  })

  it.each([
    ['[]', 'eth0', `${KN}: value requires at least one item`],
    ['[{"interface":"eth0","ipv4":["a"]},{"ipv4":["b"]}]', 'eth0', `${KN}: NIC should be either all specified or all unspecified`],
    ['[{"interface":"eth0","ipv4":["a"]},{"interface":"eth0","ipv4":["b"]}]', 'eth0', `${KN}: duplicate interface eth0`],
    ['[{"interface":"eth0","ipv4":["a"]}]', 'net1', `${KN}: interface net1 must be specified`],
    ['[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["a"]}]', 'eth0', `${KN}: it's invalid to use the same subnet a for multiple interfaces`],
    ['[{"interface":"eth0"}]', 'eth0', `${KN}: it's invalid to set dual empty subnet for interface eth0`],
    ['{"ipv4":["a"]}', 'eth0', `${KN}: must be a JSON list`],
  ])('refuses %s for %s', (raw, nic, message) => {
    expect(refusal(() => parseSubnetsAnnotation(raw, nic))).toEqual({ code: 'invalid-annotation', message })
  })
})

describe('parseTemplateSubnets', () => {
  it.each([
    [{}, undefined],
    [{ 'ipam.spidernet.io/subnet': '{"ipv4":["s4"]}' }, [{ nic: 'eth0', ipv4: 's4' }]],
    [{ 'ipam.spidernet.io/subnet': '{"interface":"net1","ipv6":["s6"]}' }, [{ nic: 'net1', ipv6: 's6' }]],
    [
      { 'ipam.spidernet.io/subnets': '[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["b"],"ipv6":["b6"]}]' },
      [
        { nic: 'eth0', ipv4: 'a' },
        { nic: 'net1', ipv4: 'b', ipv6: 'b6' },
      ],
    ],
    [
      { 'ipam.spidernet.io/subnets': '[{"ipv4":["a"]},{"ipv4":["b"]}]' },
      [
        { nic: 'eth0', ipv4: 'a' },
        { nic: 'net1', ipv4: 'b' },
      ],
    ],
    // subnets wins over subnet, as at allocation.
    [{ 'ipam.spidernet.io/subnet': 'broken', 'ipam.spidernet.io/subnets': '[{"ipv4":["a"]}]' }, [{ nic: 'eth0', ipv4: 'a' }]],
  ])('reads every NIC of %j', (annotations, want) => {
    expect(parseTemplateSubnets(annotations)).toEqual(want)
  })

  it.each([
    [{ 'ipam.spidernet.io/subnets': '[]' }, `${KN}: value requires at least one item`],
    [
      { 'ipam.spidernet.io/subnets': '[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["a"]}]' },
      `${KN}: it's invalid to use the same subnet a for multiple interfaces`,
    ],
    [{ 'ipam.spidernet.io/subnet': '{}' }, `${K1}: it's invalid to set dual empty subnet for interface eth0`],
  ])('refuses %j', (annotations, message) => {
    expect(refusal(() => parseTemplateSubnets(annotations))).toEqual({ code: 'invalid-annotation', message })
  })
})
