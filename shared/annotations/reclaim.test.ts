import { describe, expect, it } from 'vitest'
import { parseIPPoolReclaim } from './reclaim.ts'
import { refusal } from './refusal.testkit.ts'

describe('parseIPPoolReclaim', () => {
  it('defaults to true when absent', () => {
    expect(parseIPPoolReclaim(undefined)).toBe(true)
  })

  // The spellings Go's strconv.ParseBool accepts, since Spiderpool reads the value with it.
  it.each(['true', 'True', 'TRUE', 't', 'T', '1'])('reads %j as true', (raw) => {
    expect(parseIPPoolReclaim(raw)).toBe(true)
  })
  it.each(['false', 'False', 'FALSE', 'f', 'F', '0'])('reads %j as false', (raw) => {
    expect(parseIPPoolReclaim(raw)).toBe(false)
  })

  it.each(['', 'yes', 'no', 'tRUE', ' true', 'true ', '2'])('refuses %j', (raw) => {
    expect(refusal(() => parseIPPoolReclaim(raw))).toEqual({
      code: 'invalid-annotation',
      message: `invalid annotation ipam.spidernet.io/ippool-reclaim: "${raw}" is not a boolean (true or false)`,
    })
  })
})
