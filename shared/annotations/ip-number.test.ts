import { describe, expect, it } from 'vitest'
import { parseIPPoolIPNumber } from './ip-number.ts'
import { refusal } from './refusal.testkit.ts'

const K = 'invalid annotation ipam.spidernet.io/ippool-ip-number'

describe('parseIPPoolIPNumber', () => {
  it.each([
    ['1', { kind: 'fixed', count: 1 }],
    ['2', { kind: 'fixed', count: 2 }],
    ['010', { kind: 'fixed', count: 10 }],
    ['+0', { kind: 'flexible', extra: 0 }],
    ['+1', { kind: 'flexible', extra: 1 }],
    ['+25', { kind: 'flexible', extra: 25 }],
  ])('reads %j', (raw, want) => {
    expect(parseIPPoolIPNumber(raw)).toEqual(want)
  })

  it.each(['', ' 2', '2 ', '-1', '+-1', '-0', '1.5', '+1.0', '1e3', 'abc', '++1', '5+3', '+', '0x10', '99999999999999999999'])('refuses %j', (raw) => {
    expect(refusal(() => parseIPPoolIPNumber(raw))).toEqual({
      code: 'invalid-annotation',
      message: `${K}: "${raw}" is neither a count "N" (N >= 1) nor a spare "+N" (N >= 0)`,
    })
  })

  it.each(['0', '00'])('refuses a fixed %j: such a pool could never serve its pod', (raw) => {
    expect(refusal(() => parseIPPoolIPNumber(raw))).toEqual({
      code: 'invalid-annotation',
      message: `${K}: a fixed IP number must be at least 1, got "${raw}"`,
    })
  })
})
