import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { parseIp } from './address.ts'
import { cidrContainsIp, cidrContainsRange, cidrFamily, cidrsOverlap, cidrToRange, formatCidr, parseCanonicalCidr, parseCidr } from './cidr.ts'
import { formatRange } from './format.ts'
import { parseIpRange } from './parse-ranges.ts'

describe('parseCidr', () => {
  it.each([
    ['10.6.0.0/16', 4, '10.6.0.0/16', '10.6.0.0-10.6.255.255'],
    ['10.6.1.7/16', 4, '10.6.0.0/16', '10.6.0.0-10.6.255.255'],
    ['0.0.0.0/0', 4, '0.0.0.0/0', '0.0.0.0-255.255.255.255'],
    ['10.0.0.0/31', 4, '10.0.0.0/31', '10.0.0.0-10.0.0.1'],
    ['10.0.0.1/32', 4, '10.0.0.1/32', '10.0.0.1'],
    ['fd00::/64', 6, 'fd00::/64', 'fd00::-fd00::ffff:ffff:ffff:ffff'],
    ['FD00:0::1/64', 6, 'fd00::/64', 'fd00::-fd00::ffff:ffff:ffff:ffff'],
    ['::/0', 6, '::/0', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['fd00::/8', 6, 'fd00::/8', 'fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ['fd00::/127', 6, 'fd00::/127', 'fd00::-fd00::1'],
    ['fd00::5/128', 6, 'fd00::5/128', 'fd00::5'],
    ['10.0.0.0/024', 4, '10.0.0.0/24', '10.0.0.0-10.0.0.255'],
  ] as const)('%s', (text, family, canonical, range) => {
    const cidr = parseCidr(text)
    expect(cidr.family).toBe(family)
    expect(cidrFamily(text)).toBe(family)
    expect(formatCidr(cidr)).toBe(canonical)
    expect(formatRange(cidrToRange(cidr))).toBe(range)
  })

  it.each([
    'garbage',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0.0/-1',
    '10.0.0.0/+8',
    '10.0.0.0/8.0',
    '10.0.0.0/ 8',
    '10.0.0/8',
    '/8',
    'fd00::/129',
    'fd00::/1000',
    'fe80::%eth0/64',
    '10.0.0.0/8/8',
  ])('refuses %j', (text) => {
    expect(() => parseCidr(text)).toThrow(new IpamError('invalid-resource', `invalid CIDR '${text}'`))
  })
})

describe('parseCanonicalCidr', () => {
  it.each(['10.0.0.0/24', '10.0.0.1/32', '10.0.0.0/31', '0.0.0.0/0', 'fd00::/64', 'fd00::1/128', '::/0'])('accepts %s', (text) => {
    expect(formatCidr(parseCanonicalCidr(text))).toBe(text)
  })

  it.each([
    ['10.0.0.1/24', '10.0.0.0/24'],
    ['10.0.0.1/31', '10.0.0.0/31'],
    ['10.6.168.0/16', '10.6.0.0/16'],
    ['1.2.3.4/0', '0.0.0.0/0'],
    ['10.0.0.0/024', '10.0.0.0/24'],
    ['FD00::/64', 'fd00::/64'],
    ['fd00:0::/64', 'fd00::/64'],
    ['fd00::1/64', 'fd00::/64'],
    ['fd00::1/127', 'fd00::/127'],
  ])('refuses %s with the Spiderpool hint', (text, canonical) => {
    expect(() => parseCanonicalCidr(text)).toThrow(new IpamError('invalid-resource', `unformatted subnet ${text}, please change it to ${canonical}`))
  })

  it('gives the exact hint for the documented example', () => {
    expect(() => parseCanonicalCidr('10.0.0.1/24')).toThrow('unformatted subnet 10.0.0.1/24, please change it to 10.0.0.0/24')
  })
})

describe('containment', () => {
  it.each([
    ['10.6.0.0/16', '10.6.0.0', true],
    ['10.6.0.0/16', '10.6.255.255', true],
    ['10.6.0.0/16', '10.7.0.0', false],
    ['10.6.0.0/16', 'fd00::1', false],
    ['10.0.0.0/31', '10.0.0.1', true],
    ['10.0.0.0/31', '10.0.0.2', false],
    ['10.0.0.1/32', '10.0.0.1', true],
    ['10.0.0.1/32', '10.0.0.0', false],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['fd00::/127', 'fd00::1', true],
    ['fd00::/127', 'fd00::2', false],
    ['fd00::1/128', 'fd00::1', true],
    ['fd00::1/128', 'fd00::', false],
    ['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['::/0', '0.0.0.0', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContainsIp(parseCidr(cidr), parseIp(ip))).toBe(expected)
  })

  it.each([
    ['10.6.0.0/16', '10.6.0.1-10.6.255.254', true],
    ['10.6.0.0/16', '10.6.0.0-10.6.255.255', true],
    ['10.6.0.0/16', '10.5.255.255-10.6.0.1', false],
    ['10.6.0.0/16', '10.6.255.255-10.7.0.0', false],
    ['fd00::/64', 'fd00::1-fd00::ffff:ffff:ffff:ffff', true],
    ['fd00::/64', 'fd00::1-fd00:0:0:1::', false],
    ['fd00::/64', '10.0.0.1', false],
  ])('%s contains range %s: %s', (cidr, range, expected) => {
    expect(cidrContainsRange(parseCidr(cidr), parseIpRange(range))).toBe(expected)
  })
})

describe('cidrsOverlap', () => {
  it.each([
    ['10.6.0.0/16', '10.6.1.0/24', true],
    ['10.6.1.0/24', '10.6.0.0/16', true],
    ['10.6.0.0/16', '10.6.0.0/16', true],
    ['10.6.0.0/16', '10.7.0.0/16', false],
    ['10.0.0.0/31', '10.0.0.2/31', false],
    ['10.0.0.0/31', '10.0.0.1/32', true],
    ['10.0.0.1/32', '10.0.0.2/32', false],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['fd00::/64', 'fd00::1/128', true],
    ['fd00::/127', 'fd00::2/127', false],
    ['fd00::/8', 'fe00::/8', false],
    ['::/0', '0.0.0.0/0', false],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(cidrsOverlap(parseCidr(a), parseCidr(b))).toBe(expected)
  })
})
