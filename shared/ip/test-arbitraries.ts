import fc from 'fast-check'
import { maxAddressValue } from './address.ts'
import type { IpFamily, IpRange } from './types.ts'

/**
 * Test-only: ranges inside a 64-address universe per family, so that overlaps and adjacency are
 * common and results can be checked against a plain set of addresses. IPv4 sits at the bottom of
 * its space, IPv6 at the very top, to exercise 0 and 2^128 - 1.
 */
export const UNIVERSE_SIZE = 64
const base = (family: IpFamily): bigint => (family === 4 ? 0n : maxAddressValue(6) - 63n)

export const rangeArb: fc.Arbitrary<IpRange> = fc
  .record({
    family: fc.constantFrom<IpFamily>(4, 6),
    a: fc.integer({ min: 0, max: UNIVERSE_SIZE - 1 }),
    length: fc.integer({ min: 1, max: 12 }),
  })
  .map(({ family, a, length }) => {
    const end = Math.min(a + length - 1, UNIVERSE_SIZE - 1)
    return { family, start: base(family) + BigInt(a), end: base(family) + BigInt(end) }
  })

export const rangesArb = fc.array(rangeArb, { maxLength: 8 })

export const universe = (family: IpFamily): IpRange => ({
  family,
  start: base(family),
  end: base(family) + BigInt(UNIVERSE_SIZE - 1),
})

/** The addresses of small ranges, as `family:value` keys. */
export const addressSet = (ranges: readonly IpRange[]): Set<string> => {
  const set = new Set<string>()
  for (const { family, start, end } of ranges) {
    for (let v = start; v <= end; v++) set.add(`${family}:${v}`)
  }
  return set
}
