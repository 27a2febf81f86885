import { describe, expect, it } from 'vitest'
import { parseIPPoolAnnotation } from './ippool.ts'
import { refusal } from './refusal.testkit.ts'

const K = 'invalid annotation ipam.spidernet.io/ippool'

describe('parseIPPoolAnnotation', () => {
  it.each([
    ['{"ipv4":["p1","p2"],"ipv6":["p3"]}', { ipv4: ['p1', 'p2'], ipv6: ['p3'] }],
    ['{"ipv4":["test-ippool-6","test-ippool-7"]}', { ipv4: ['test-ippool-6', 'test-ippool-7'], ipv6: [] }],
    ['{"ipv6":["v6-*"]}', { ipv4: [], ipv6: ['v6-*'] }],
    ['{"ipv4":["p1"],"ipv6":null}', { ipv4: ['p1'], ipv6: [] }],
    // Go's decoder ignores unknown fields and folds case; Spiderpool users rely on both.
    ['{"IPv4":["p1"],"cleangateway":true,"x":1}', { ipv4: ['p1'], ipv6: [] }],
    // "__proto__" became the prototype, and its keys were read as if the value had them.
    ['{"ipv6":["p2"],"__proto__":{"ipv4":["p1"]}}', { ipv4: [], ipv6: ['p2'] }],
    ['{"ipv4":["p1"],"Constructor":1}', { ipv4: ['p1'], ipv6: [] }],
  ])('reads %s', (raw, want) => {
    expect(parseIPPoolAnnotation(raw)).toEqual(want)
  })

  it.each([
    ['', `${K}: not valid JSON:`],
    ['{"ipv4":["p1"', `${K}: not valid JSON:`],
    ['["p1"]', `${K}: must be a JSON object`],
    ['"p1"', `${K}: must be a JSON object`],
    ['{"ipv4":"p1"}', `${K}: ipv4: must be a list of names`],
    ['{"ipv4":["p1",3]}', `${K}: ipv4[1]: must be a string`],
    ['{"ipv4":[""]}', `${K}: ipv4[0]: names must not be empty`],
    ['{}', `${K}: names no IPv4 or IPv6 IPPool`],
    ['{"__proto__":{"ipv4":["p1"]}}', `${K}: names no IPv4 or IPv6 IPPool`],
    ['{"ipv4":[],"ipv6":[]}', `${K}: names no IPv4 or IPv6 IPPool`],
    ['null', `${K}: must be a JSON object`],
    [`{"ipv4":${'['.repeat(17)}${']'.repeat(17)}}`, `${K}: nested deeper than 16 levels`],
  ])('refuses %j', (raw, message) => {
    const r = refusal(() => parseIPPoolAnnotation(raw))
    expect(r.code).toBe('invalid-annotation')
    expect(r.message.startsWith(message)).toBe(true)
  })

  // Found by the fuzzer: 10,000 levels overflowed the stack (a RangeError, not a refusal).
  it('refuses JSON nested 10,000 deep', () => {
    const r = refusal(() => parseIPPoolAnnotation(`${'['.repeat(10_000)}${']'.repeat(10_000)}`))
    expect(r).toEqual({ code: 'invalid-annotation', message: `${K}: nested deeper than 16 levels` })
  })

  // Found by the fuzzer: 20,000 names made one ADD read 40,000 times and answer 600 KB; a
  // 100,000-character pattern took 0.1 s to match against four pools.
  it('reads 64 names of 253 characters, and refuses more names or longer ones', () => {
    const names = Array.from({ length: 64 }, (_, i) => `${i}`.padEnd(253, 'p'))
    expect(parseIPPoolAnnotation(JSON.stringify({ ipv4: names }))).toEqual({ ipv4: names, ipv6: [] })
    expect(refusal(() => parseIPPoolAnnotation(JSON.stringify({ ipv4: [...names, 'p'] })))).toEqual({
      code: 'invalid-annotation',
      message: `${K}: ipv4: lists at most 64 names`,
    })
    expect(refusal(() => parseIPPoolAnnotation(JSON.stringify({ ipv6: ['p', '*'.repeat(254)] })))).toEqual({
      code: 'invalid-annotation',
      message: `${K}: ipv6[1]: names have at most 253 characters`,
    })
  })
})
