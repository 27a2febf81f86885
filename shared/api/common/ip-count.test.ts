import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { capIPCount, INT64_MAX, IP_COUNT_CAP, IPCountSchema, toKubeJson } from './ip-count.ts'

describe('IP counts', () => {
  it('reads the int64 cap Spiderpool writes, which JSON.parse rounds to 2^63', () => {
    const { totalIPCount } = JSON.parse('{"totalIPCount":9223372036854775807}') as { totalIPCount: number }
    expect(v.parse(IPCountSchema, totalIPCount)).toBe(IP_COUNT_CAP)
  })

  it.each([-1, 1.5, '1', Number.NaN])('refuses %j', (count) => {
    expect(v.safeParse(IPCountSchema, count).success).toBe(false)
  })

  it('caps at int64 max, as Spiderpool does', () => {
    expect(INT64_MAX).toBe(2n ** 63n - 1n)
    expect(capIPCount(10n)).toBe(10)
    expect(capIPCount(2n ** 62n)).toBe(2 ** 62)
    expect(capIPCount(INT64_MAX)).toBe(IP_COUNT_CAP)
    expect(capIPCount(2n ** 64n)).toBe(IP_COUNT_CAP)
    expect(capIPCount(2n ** 128n)).toBe(IP_COUNT_CAP)
    expect(() => capIPCount(-1n)).toThrow(RangeError)
  })
})

describe('toKubeJson', () => {
  it('writes a capped count as int64 max, exactly', () => {
    const status = { allocatedIPCount: 3, totalIPCount: capIPCount(2n ** 120n), note: 'x' }
    expect(toKubeJson(status)).toBe('{"allocatedIPCount":3,"totalIPCount":9223372036854775807,"note":"x"}')
  })

  it('is JSON.stringify for everything else, strings that spell the cap included', () => {
    const value = { a: [1, 'b', null, { c: true }], d: '9223372036854775808 "\\u0000int64-cap"', n: 2 ** 62 }
    expect(toKubeJson(value)).toBe(JSON.stringify(value))
    const mixed = { s: '9223372036854775808', n: IP_COUNT_CAP }
    expect(JSON.parse(toKubeJson(mixed))).toEqual(mixed)
    expect(toKubeJson(mixed)).toBe('{"s":"9223372036854775808","n":9223372036854775807}')
  })

  it('refuses text that could be taken for a capped count', () => {
    expect(() => toKubeJson({ n: IP_COUNT_CAP, s: '\u0000int64-cap' })).toThrow(RangeError)
  })
})
