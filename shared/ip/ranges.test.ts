import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatRanges } from './format.ts'
import { parseIpRanges } from './parse-ranges.ts'
import { intersectRanges, isMerged, mergeRanges, subtractRanges, unionRanges } from './ranges.ts'
import { addressSet, rangesArb, universe } from './test-arbitraries.ts'
import type { IpRange } from './types.ts'

type SetOp = (a: readonly IpRange[], b: readonly IpRange[]) => IpRange[]
const onText = (op: SetOp) => (a: string[], b: string[]) => formatRanges(op(parseIpRanges(a), parseIpRanges(b)))

describe('mergeRanges', () => {
  it.each([
    [[], []],
    [
      ['10.0.0.5', '10.0.0.1-10.0.0.3'],
      ['10.0.0.1-10.0.0.3', '10.0.0.5'],
    ],
    [['10.0.0.1-10.0.0.5', '10.0.0.6'], ['10.0.0.1-10.0.0.6']],
    [['10.0.0.1-10.0.0.5', '10.0.0.3-10.0.0.9'], ['10.0.0.1-10.0.0.9']],
    [['10.0.0.1-10.0.0.9', '10.0.0.3-10.0.0.4'], ['10.0.0.1-10.0.0.9']],
    [['10.0.0.2', '10.0.0.2', '10.0.0.2'], ['10.0.0.2']],
    [['10.0.0.1', '10.0.0.3', '10.0.0.2'], ['10.0.0.1-10.0.0.3']],
    [
      ['255.255.255.254', '255.255.255.255', '0.0.0.0'],
      ['0.0.0.0', '255.255.255.254-255.255.255.255'],
    ],
    [
      ['fd00::1', '10.0.0.1', 'fd00::2'],
      ['10.0.0.1', 'fd00::1-fd00::2'],
    ],
    // 255.255.255.255 and :: are numerically adjacent values but different families.
    [
      ['::', '255.255.255.255'],
      ['255.255.255.255', '::'],
    ],
    [['fd00::', 'fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
    [
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe'],
      ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
    ],
  ])('%j -> %j', (input, expected) => {
    const merged = mergeRanges(parseIpRanges(input))
    expect(formatRanges(merged)).toEqual(expected)
    expect(isMerged(merged)).toBe(true)
  })

  it('is idempotent and independent of order', () => {
    fc.assert(
      fc.property(rangesArb, fc.func(fc.integer()), (ranges, key) => {
        const merged = mergeRanges(ranges)
        expect(mergeRanges(merged)).toEqual(merged)
        const shuffled = [...ranges].sort((a, b) => key(a) - key(b))
        expect(mergeRanges(shuffled)).toEqual(merged)
        expect(isMerged(merged)).toBe(true)
        expect(addressSet(merged)).toEqual(addressSet(ranges))
      }),
    )
  })
})

describe('subtractRanges', () => {
  it.each([
    [['10.0.0.1-10.0.0.10'], ['10.0.0.5'], ['10.0.0.1-10.0.0.4', '10.0.0.6-10.0.0.10']],
    [['10.0.0.1-10.0.0.10'], ['10.0.0.1', '10.0.0.10'], ['10.0.0.2-10.0.0.9']],
    [['10.0.0.1-10.0.0.10'], ['10.0.0.0-10.0.0.255'], []],
    [['10.0.0.1-10.0.0.10'], [], ['10.0.0.1-10.0.0.10']],
    [['10.0.0.1-10.0.0.3', '10.0.0.7-10.0.0.9'], ['10.0.0.2-10.0.0.8'], ['10.0.0.1', '10.0.0.9']],
    [['10.0.0.1-10.0.0.10'], ['fd00::1-fd00::ffff'], ['10.0.0.1-10.0.0.10']],
    [['fd00::-fd00::ffff:ffff:ffff:ffff'], ['fd00::', 'fd00::ffff:ffff:ffff:ffff'], ['fd00::1-fd00::ffff:ffff:ffff:fffe']],
    [['::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['::']],
  ])('%j - %j -> %j', (a, b, expected) => {
    expect(onText(subtractRanges)(a, b)).toEqual(expected)
  })

  it('matches set difference', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, (a, b) => {
        const result = subtractRanges(a, b)
        const expected = new Set([...addressSet(a)].filter((ip) => !addressSet(b).has(ip)))
        expect(addressSet(result)).toEqual(expected)
        expect(isMerged(result)).toBe(true)
      }),
    )
  })

  it('restores the original when the removed part is added back', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, (a, b) => {
        expect(unionRanges(subtractRanges(a, b), intersectRanges(a, b))).toEqual(mergeRanges(a))
        const all = [universe(4), universe(6)]
        const complement = subtractRanges(all, b)
        expect(unionRanges(complement, b)).toEqual(all)
        expect(intersectRanges(complement, b)).toEqual([])
      }),
    )
  })
})

describe('intersectRanges', () => {
  it.each([
    [['10.0.0.1-10.0.0.10'], ['10.0.0.5-10.0.0.20'], ['10.0.0.5-10.0.0.10']],
    [['10.0.0.1-10.0.0.10'], ['10.0.0.11-10.0.0.20'], []],
    [['10.0.0.1-10.0.0.10', '10.0.0.20-10.0.0.30'], ['10.0.0.5-10.0.0.25'], ['10.0.0.5-10.0.0.10', '10.0.0.20-10.0.0.25']],
    [['10.0.0.1-10.0.0.10'], ['fd00::1'], []],
    [['fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], ['fd00::5'], ['fd00::5']],
  ])('%j & %j -> %j', (a, b, expected) => {
    expect(onText(intersectRanges)(a, b)).toEqual(expected)
  })

  it('matches set intersection and is symmetric', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, (a, b) => {
        const result = intersectRanges(a, b)
        const expected = new Set([...addressSet(a)].filter((ip) => addressSet(b).has(ip)))
        expect(addressSet(result)).toEqual(expected)
        expect(intersectRanges(b, a)).toEqual(result)
      }),
    )
  })
})
