import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cidrToRange, parseCidr } from './cidr.ts'
import { countIps } from './count.ts'
import { parseIpRanges } from './parse-ranges.ts'
import { mergeRanges } from './ranges.ts'
import { addressSet, rangesArb } from './test-arbitraries.ts'

const cidrRange = (text: string) => cidrToRange(parseCidr(text))

describe('countIps', () => {
  it.each([
    [[], 0n],
    [['10.0.0.1'], 1n],
    [['10.0.0.1-10.0.0.10'], 10n],
    [['10.0.0.1-10.0.0.10', '10.0.0.5-10.0.0.12'], 12n],
    [['10.0.0.1', '10.0.0.1'], 1n],
    [['0.0.0.0-255.255.255.255'], 1n << 32n],
    [['10.0.0.1', 'fd00::1-fd00::2'], 3n],
    [['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], 1n << 128n],
  ])('%j -> %s', (list, expected) => {
    expect(countIps(parseIpRanges(list))).toBe(expected)
  })

  it.each([
    ['10.0.0.0/31', 2n],
    ['10.0.0.0/32', 1n],
    ['10.0.0.0/24', 256n],
    ['fd00::/127', 2n],
    ['fd00::/128', 1n],
    ['fd00::/64', 1n << 64n],
    ['fd00::/8', 1n << 120n],
    ['::/0', 1n << 128n],
  ])('%s has %s addresses', (cidr, expected) => {
    expect(countIps([cidrRange(cidr)])).toBe(expected)
  })

  it('equals the number of distinct addresses, i.e. the sum over the merged ranges', () => {
    fc.assert(
      fc.property(rangesArb, (ranges) => {
        const merged = mergeRanges(ranges)
        const sum = merged.reduce((n, r) => n + (r.end - r.start + 1n), 0n)
        expect(countIps(ranges)).toBe(sum)
        expect(countIps(ranges)).toBe(BigInt(addressSet(ranges).size))
      }),
    )
  })
})
