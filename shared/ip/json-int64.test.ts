import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { INT64_MAX } from './count.ts'
import { stringifyJsonWithInt64 } from './json-int64.ts'

describe('stringifyJsonWithInt64', () => {
  it('writes bigint fields as exact integer literals', () => {
    const status = { allocatedIPCount: 3, totalIPCount: INT64_MAX, note: 'x', list: [1n, -2n] }
    const text = stringifyJsonWithInt64(status)
    expect(text).toBe('{"allocatedIPCount":3,"totalIPCount":9223372036854775807,"note":"x","list":[1,-2]}')
    // JSON.parse rounds it; the text is what the API server reads.
    expect(text).toContain('9223372036854775807')
  })

  it('is plain JSON.stringify when there is no bigint', () => {
    const value = { a: [1, 'b', null, { c: true }], d: 'quote " and \\ and \u0001' }
    expect(stringifyJsonWithInt64(value, 2)).toBe(JSON.stringify(value, null, 2))
  })

  it('leaves look-alike text alone', () => {
    const value = { s: '"\\u0000int64:5"', t: 'a\u0000int64:5' }
    expect(JSON.parse(stringifyJsonWithInt64(value))).toEqual(value)
  })

  it('refuses text that could be mistaken for a bigint', () => {
    expect(() => stringifyJsonWithInt64({ s: '\u0000int64:5' })).toThrow(IpamError)
    expect(() => stringifyJsonWithInt64({ '\u0000int64:5': 1 })).toThrow(IpamError)
  })
})
