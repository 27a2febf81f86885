import { describe, expect, it } from 'vitest'
import { parseNamespaceDefaultPools } from './namespace-pools.ts'
import { refusal } from './refusal.testkit.ts'

const V4 = 'ipam.spidernet.io/default-ipv4-ippool'
const V6 = 'ipam.spidernet.io/default-ipv6-ippool'

describe('parseNamespaceDefaultPools', () => {
  it.each([
    [{}, { ipv4: [], ipv6: [] }],
    [{ [V4]: '["a","b*"]' }, { ipv4: ['a', 'b*'], ipv6: [] }],
    [
      { [V4]: '["a"]', [V6]: '["a6"]' },
      { ipv4: ['a'], ipv6: ['a6'] },
    ],
    [
      { [V6]: '[]', other: 'x' },
      { ipv4: [], ipv6: [] },
    ],
    [{ [V4]: 'null' }, { ipv4: [], ipv6: [] }],
  ])('reads %j', (annotations, want) => {
    expect(parseNamespaceDefaultPools(annotations)).toEqual(want)
  })

  it.each([
    [{ [V4]: 'a' }, `invalid annotation ${V4}: not valid JSON: `],
    [{ [V6]: '"a"' }, `invalid annotation ${V6}: must be a list of names`],
    [{ [V4]: '[1]' }, `invalid annotation ${V4}: [0]: must be a string`],
    [{ [V4]: '[""]' }, `invalid annotation ${V4}: [0]: names must not be empty`],
  ])('refuses %j, naming the key', (annotations, message) => {
    const r = refusal(() => parseNamespaceDefaultPools(annotations))
    expect(r.code).toBe('invalid-annotation')
    expect(r.message.startsWith(message)).toBe(true)
  })
})
