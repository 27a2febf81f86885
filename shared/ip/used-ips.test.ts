import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { parseIp } from './address.ts'
import { bigIntToIp, formatRanges } from './format.ts'
import { mergeRanges } from './ranges.ts'
import { UsedIps } from './used-ips.ts'

describe('UsedIps.from', () => {
  it.each([
    [4, [], []],
    [4, ['10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.9'], ['10.0.0.1-10.0.0.3', '10.0.0.9']],
    [4, ['10.0.0.1', '10.0.0.1', '10.0.0.2'], ['10.0.0.1-10.0.0.2']],
    [4, ['0.0.0.0', '255.255.255.255'], ['0.0.0.0', '255.255.255.255']],
    [4, ['10.0.0.1', 'fd00::1', '10.0.0.2'], ['10.0.0.1-10.0.0.2']],
    [6, ['fd00::2', 'FD00::1', 'fd00::0:3', '10.0.0.1', 'fd00::ffff'], ['fd00::1-fd00::3', 'fd00::ffff']],
    [6, ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::'], ['::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
    // Adjacent across a carry out of the low 32 bits, and out of the low 64.
    [6, ['fd00::1:0:0', 'fd00::ffff:ffff', 'fd00::1:0:1'], ['fd00::ffff:ffff-fd00::1:0:1']],
    [6, ['fd00:0:0:1::', 'fd00::ffff:ffff:ffff:ffff'], ['fd00::ffff:ffff:ffff:ffff-fd00:0:0:1::']],
    [6, ['fd00::ffff:ffff', 'fd00::1:0:1'], ['fd00::ffff:ffff', 'fd00::1:0:1']],
    [6, ['::ffff:10.0.0.1', '::ffff:10.0.0.2'], ['::ffff:a00:1-::ffff:a00:2']],
  ] as const)('IPv%s %j -> %j', (family, allocated, runs) => {
    const used = UsedIps.from(family, allocated)
    expect(used.family).toBe(family)
    expect(formatRanges(used.runs)).toEqual(runs)
  })

  it('accepts values and parsed addresses alike', () => {
    const used = UsedIps.from(4, [0x0a000001n, parseIp('10.0.0.2'), '10.0.0.3', parseIp('fd00::1')])
    expect(formatRanges(used.runs)).toEqual(['10.0.0.1-10.0.0.3'])
  })

  it.each([
    [4, 'garbage'],
    [4, '10.0.0.256'],
    [6, 'fd00::g'],
    [6, '10.0.0.01'],
  ] as const)('IPv%s refuses %j, naming it', (family, bad) => {
    expect(() => UsedIps.from(family, ['10.0.0.1', bad])).toThrow(new IpamError('invalid-resource', `invalid allocated IP address '${bad}'`))
  })
})

describe('UsedIps runs', () => {
  it('equal the merged single-IP ranges, whatever the input form and order', () => {
    // Values clustered around carries out of the low 32 and 64 bits and at the top of the space.
    const anchors = [0n, 1n << 32n, 1n << 64n, 0xfd00n << 112n, (1n << 128n) - 8n]
    const value = fc
      .tuple(fc.constantFrom(...anchors), fc.integer({ min: -4, max: 7 }))
      .map(([anchor, delta]) => anchor + BigInt(delta))
      .filter((v) => v >= 0n && v < 1n << 128n)
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), fc.boolean(), (values, asText) => {
        const input = asText ? values.map((v) => bigIntToIp(v, 6)) : values
        const expected = mergeRanges(values.map((v) => ({ family: 6 as const, start: v, end: v })))
        expect(UsedIps.from(6, input).runs).toEqual(expected)
      }),
    )
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 31 }), { maxLength: 40 }), (offsets) => {
        const values = offsets.map((o) => 0xffff_ffe0n + BigInt(o))
        const expected = mergeRanges(values.map((v) => ({ family: 4 as const, start: v, end: v })))
        expect(
          UsedIps.from(
            4,
            values.map((v) => bigIntToIp(v, 4)),
          ).runs,
        ).toEqual(expected)
      }),
    )
  })
})
