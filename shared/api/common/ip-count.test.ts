import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { capIPCount, INT64_MAX, IP_COUNT_CAP, IPCountSchema } from './ip-count.ts'

describe('IP counts', () => {
  it('reads the int64 cap Spiderpool writes, which JSON.parse rounds to 2^63', () => {
    const { totalIPCount } = JSON.parse('{"totalIPCount":9223372036854775807}') as { totalIPCount: number }
    expect(v.parse(IPCountSchema, totalIPCount)).toBe(2 ** 63)
  })

  it.each([-1, 1.5, '1', Number.NaN])('refuses %j', (count) => {
    expect(v.safeParse(IPCountSchema, count).success).toBe(false)
  })

  it('caps at the largest number JSON can carry exactly', () => {
    expect(capIPCount(10n)).toBe(10)
    expect(capIPCount(BigInt(IP_COUNT_CAP))).toBe(IP_COUNT_CAP)
    expect(capIPCount(BigInt(IP_COUNT_CAP) + 1n)).toBe(IP_COUNT_CAP)
    expect(capIPCount(2n ** 128n)).toBe(IP_COUNT_CAP)
    expect(JSON.stringify(capIPCount(INT64_MAX))).toBe('9007199254740991')
    expect(() => capIPCount(-1n)).toThrow(RangeError)
  })
})
