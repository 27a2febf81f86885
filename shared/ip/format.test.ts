import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { maxAddressValue, parseIp } from './address.ts'
import { bigIntToIp, formatIp, formatRange, formatRanges } from './format.ts'
import { parseIpRanges } from './parse-ranges.ts'

describe('formatIp', () => {
  it.each([
    ['10.6.168.1', '10.6.168.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['fd00:0:0:0:0:0:a:0', 'fd00::a:0'],
    ['::1.2.3.4', '::102:304'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
  ])('%s -> %s', (text, canonical) => {
    expect(formatIp(parseIp(text))).toBe(canonical)
  })

  it('formats the family bounds', () => {
    expect(bigIntToIp(maxAddressValue(4), 4)).toBe('255.255.255.255')
    expect(bigIntToIp(maxAddressValue(6), 6)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')
  })

  it('agrees with ipaddr.js RFC 5952 output and round-trips (IPv6)', () => {
    // Biased towards zero groups, where compression rules matter.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }))
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
        const text = bigIntToIp(value, 6)
        expect(text).toBe(new ipaddr.IPv6(groups).toRFC5952String())
        expect(parseIp(text)).toEqual({ family: 6, value })
      }),
      { numRuns: 2000 },
    )
  })

  it('round-trips IPv4', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const text = bigIntToIp(BigInt(n), 4)
        expect(parseIp(text)).toEqual({ family: 4, value: BigInt(n) })
      }),
    )
  })
})

describe('formatRange / formatRanges', () => {
  it.each([
    ['10.6.168.1-10.6.168.10', '10.6.168.1-10.6.168.10'],
    ['10.6.168.1-10.6.168.1', '10.6.168.1'],
    ['10.6.168.7', '10.6.168.7'],
    ['FD00::0001-fd00::00ff', 'fd00::1-fd00::ff'],
    ['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('%s -> %s', (text, expected) => {
    const [range] = parseIpRanges([text])
    expect(range && formatRange(range)).toBe(expected)
  })

  it('keeps the order of the list', () => {
    const list = ['10.0.0.9', '10.0.0.1-10.0.0.3', 'fd00::1-fd00::2']
    expect(formatRanges(parseIpRanges(list))).toEqual(list)
  })
})
