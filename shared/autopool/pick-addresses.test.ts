import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countIps, formatRanges, intersectRanges, parseIpRanges, rangesContainRanges } from '../ip/index.ts'
import { highestAddresses, lowestAddresses } from './pick-addresses.ts'

const r = (...texts: string[]) => parseIpRanges(texts)

describe('lowestAddresses / highestAddresses', () => {
  it.each([
    [['10.0.0.1-10.0.0.5'], 2n, ['10.0.0.1-10.0.0.2'], ['10.0.0.4-10.0.0.5']],
    [['10.0.0.9', '10.0.0.1-10.0.0.2'], 3n, ['10.0.0.1-10.0.0.2', '10.0.0.9'], ['10.0.0.1-10.0.0.2', '10.0.0.9']],
    [['10.0.0.1-10.0.0.2', '10.0.0.5-10.0.0.9'], 4n, ['10.0.0.1-10.0.0.2', '10.0.0.5-10.0.0.6'], ['10.0.0.6-10.0.0.9']],
    [['10.0.0.1'], 5n, ['10.0.0.1'], ['10.0.0.1']],
    [['10.0.0.1'], 0n, [], []],
    [[], 3n, [], []],
    [['fd00::-fd00::ffff:ffff:ffff:ffff'], 2n, ['fd00::-fd00::1'], ['fd00::ffff:ffff:ffff:fffe-fd00::ffff:ffff:ffff:ffff']],
  ])('%j, %s', (ranges, n, lowest, highest) => {
    expect(formatRanges(lowestAddresses(r(...ranges), n))).toEqual(lowest)
    expect(formatRanges(highestAddresses(r(...ranges), n))).toEqual(highest)
  })

  it('takes min(n, size) addresses of the set, the lowest and the highest', () => {
    const rangeArb = fc
      .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }))
      .map(([a, len]) => `10.0.0.${a}-10.0.0.${Math.min(255, a + len)}`)
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 6 }), fc.integer({ min: 0, max: 300 }), (texts, k) => {
        const set = r(...texts)
        const n = BigInt(k)
        const want = n < countIps(set) ? n : countIps(set)
        for (const pick of [lowestAddresses, highestAddresses]) {
          const got = pick(set, n)
          expect(countIps(got)).toBe(want)
          expect(rangesContainRanges(set, got)).toBe(true)
        }
        // The lowest and the highest overlap only when they take more than half.
        const both = intersectRanges(lowestAddresses(set, n), highestAddresses(set, n))
        expect(countIps(both)).toBe(2n * want > countIps(set) ? 2n * want - countIps(set) : 0n)
      }),
    )
  })
})
