import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { maxAddressValue, parseIp, tryParseIp } from './address.ts'

describe('parseIp', () => {
  it.each([
    ['0.0.0.0', 4, 0n],
    ['10.6.168.1', 4, 0x0a06a801n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['FD00::1', 6, (0xfd00n << 112n) | 1n],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', 6, (0x20010db8n << 96n) | 1n],
    ['2001:db8:0:0:0:0:0:1', 6, (0x20010db8n << 96n) | 1n],
    ['1:2:3:4:5:6:7::', 6, 0x0001_0002_0003_0004_0005_0006_0007_0000n],
    ['::ffff:1.2.3.4', 6, 0xffff_0102_0304n],
    ['::1.2.3.4', 6, 0x0102_0304n],
    ['1:2:3:4:5:6:1.2.3.4', 6, 0x0001_0002_0003_0004_0005_0006_0102_0304n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 6, maxAddressValue(6)],
  ] as const)('%s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value })
    expect(tryParseIp(text)).toEqual({ family, value })
  })

  it.each([
    '',
    'garbage',
    ' 10.0.0.1',
    '10.0.0.1 ',
    '10.0.0',
    '10.1',
    '10.0.0.0.1',
    '10..0.1',
    '.10.0.0.1',
    '10.0.0.1.',
    '256.0.0.1',
    '010.0.0.1',
    '10.0.0.01',
    '0x0a.0.0.1',
    '-1.0.0.0',
    '10.0.0.1/32',
    '10.0.0.1-10.0.0.2',
    '::/0',
    'fe80::1%eth0',
    '1::2::3',
    ':::',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.04',
    '::ffff:10.1',
    '::ffff:256.1.1.1',
    '1.2::3',
    'g::1',
    '[::1]',
  ])('refuses %j', (text) => {
    expect(tryParseIp(text)).toBeUndefined()
    expect(() => parseIp(text)).toThrow(new IpamError('invalid-resource', `invalid IP address '${text}'`))
  })

  it('throws IpamError with the invalid-resource code', () => {
    try {
      parseIp('nope')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(IpamError)
      expect((e as IpamError).code).toBe('invalid-resource')
      expect((e as IpamError).message).toBe("invalid IP address 'nope'")
    }
  })
})

describe('IPv6 parsing against ipaddr.js as the reference', () => {
  const ipaddrValue = (text: string): bigint | undefined => {
    if (!ipaddr.IPv6.isValid(text)) return undefined
    return ipaddr.IPv6.parse(text).parts.reduce((acc, part) => (acc << 16n) | BigInt(part), 0n)
  }

  it('agrees on acceptance and value for any string of hex digits and colons', () => {
    const char = fc.constantFrom(...'0123456789abcdefABCDEF:::::')
    const noise = fc.array(char, { maxLength: 24 }).map((cs) => cs.join(''))
    // Near misses: 0-5 hex digit groups joined by ':' or '::', 6 to 10 of them.
    const hexGroup = fc.stringMatching(/^[0-9a-fA-F]{0,5}$/)
    const sep = fc.constantFrom(':', ':', ':', '::')
    const nearMiss = fc
      .array(fc.tuple(hexGroup, sep), { minLength: 6, maxLength: 10 })
      .chain((pairs) => hexGroup.map((lastGroup) => pairs.map(([g, s]) => g + s).join('') + lastGroup))
    let accepted = 0
    fc.assert(
      fc.property(fc.oneof(noise, nearMiss), (text) => {
        const value = tryParseIp(text)?.value
        if (value !== undefined) accepted++
        expect(value).toBe(ipaddrValue(text))
      }),
      { numRuns: 20_000 },
    )
    expect(accepted).toBeGreaterThan(500)
  })

  it('reads every textual form of an address as that address', () => {
    const group = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff }))
    const form = fc.record({
      groups: fc.array(group, { minLength: 8, maxLength: 8 }),
      pad: fc.boolean(),
      upper: fc.boolean(),
      compressAt: fc.integer({ min: 0, max: 7 }),
      compressLength: fc.integer({ min: 0, max: 8 }),
      dotted: fc.boolean(),
    })
    fc.assert(
      fc.property(form, ({ groups, pad, upper, compressAt, compressLength, dotted }) => {
        const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
        const hexGroups = groups.map((g) => (pad ? g.toString(16).padStart(4, '0') : g.toString(16)))
        const shown = upper ? hexGroups.map((g) => g.toUpperCase()) : hexGroups
        let parts: string[] = shown
        if (dotted) {
          const [hi, lo] = [groups[6] as number, groups[7] as number]
          parts = [...shown.slice(0, 6), `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`]
        }
        // Compress a run of zero groups if the chosen span is all zeros (never into the quad).
        const last = dotted ? 6 : 8
        const end = Math.min(compressAt + Math.max(compressLength, 1), last)
        const zeros = compressAt < end && groups.slice(compressAt, end).every((g) => g === 0)
        const text = zeros ? `${parts.slice(0, compressAt).join(':')}::${parts.slice(end).join(':')}` : parts.join(':')
        expect(tryParseIp(text)).toEqual({ family: 6, value })
        if (!dotted) expect(ipaddrValue(text)).toBe(value)
      }),
      { numRuns: 5000 },
    )
  })
})
