import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileWildcard, expandPoolNames, isWildcard, WildcardSyntaxError } from './wildcard.ts'

const matchWildcard = (pattern: string, name: string): boolean => compileWildcard(pattern)(name)

describe('isWildcard (Spiderpool HasWildcardInStr)', () => {
  it.each([
    ['pool', false],
    ['pool?', true],
    ['pool*', true],
    ['pool[abc]', true],
    ['pool[', false],
    ['pool]', false],
    ['po\\ol', false],
  ])('%j -> %s', (name, want) => {
    expect(isWildcard(name)).toBe(want)
  })
})

describe('compileWildcard (Go filepath.Match)', () => {
  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['v4-*', 'v4-pool', true],
    ['v4-*', 'v6-pool', false],
    ['*-pool', 'v4-pool', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['test-ippool-?', 'test-ippool-6', true],
    ['test-ippool-?', 'test-ippool-66', false],
    ['test-ippool-?', 'test-ippool-', false],
    ['pool[abc]', 'poolb', true],
    ['pool[abc]', 'poold', false],
    ['pool[a-c]', 'poolc', true],
    ['pool[a-c]', 'poold', false],
    ['pool[^a-c]', 'poold', true],
    ['pool[^a-c]', 'poola', false],
    ['pool[!a-c]', 'poold', true],
    ['pool[!a-c]', 'poolb', false],
    ['pool[0-9a-f]', 'poole', true],
    ['pool[z-a]', 'poolm', false],
    ['pool[\\]]', 'pool]', true],
    ['pool[\\-]', 'pool-', true],
    ['pool\\*', 'pool*', true],
    ['pool\\*', 'poolx', false],
    ['p?ol*', 'pool-1', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ])('%j ~ %j -> %s', (pattern, name, want) => {
    expect(matchWildcard(pattern, name)).toBe(want)
  })

  it.each([
    ['a**b', 'ab', true],
    ['a***b', 'axyb', true],
    ['***', '', true],
    ['a?*?', 'ab', false],
    ['a?*?', 'abc', true],
    ['?'.repeat(200), 'x'.repeat(200), true],
    ['?'.repeat(200), 'x'.repeat(199), false],
  ])('%j ~ %j -> %s (runs of stars, names too short)', (pattern, name, want) => {
    expect(matchWildcard(pattern, name)).toBe(want)
  })

  // Found by the fuzzer: 64 patterns of 253 characters against 1,000 pools took 2 s, holding up
  // every other ADD of the node.
  it('expands 64 patterns of 253 characters against 1,000 pools in a few milliseconds', () => {
    const pools = Array.from({ length: 1000 }, (_, i) => `pool-zone-a-${String(i).padStart(6, '0')}`)
    for (const pattern of ['*'.repeat(253), `*${'a*'.repeat(126)}`, '*?'.repeat(126), `pool-${'*'.repeat(248)}`]) {
      const started = performance.now()
      expandPoolNames(
        Array.from({ length: 64 }, (_, i) => `${pattern.slice(0, 250)}${i}`),
        pools,
      )
      expect(performance.now() - started).toBeLessThan(200)
    }
  })

  it.each(['[', '[a', '[]', '[^]', '[]a]', '[-a]', '[a-]', '[a-', 'pool\\', '[\\'])('refuses the bad pattern %j', (pattern) => {
    expect(() => compileWildcard(pattern)).toThrow(WildcardSyntaxError)
  })
})

describe('expandPoolNames', () => {
  const existing = ['v4-b', 'v4-a', 'v4-c', 'other', 'test-ippool-7', 'test-ippool-6']
  it.each([
    [['v4-*'], ['v4-a', 'v4-b', 'v4-c']],
    [
      ['other', 'v4-*'],
      ['other', 'v4-a', 'v4-b', 'v4-c'],
    ],
    // The user's order wins over name order; a name appears once, at its first place.
    [
      ['v4-c', 'v4-*'],
      ['v4-c', 'v4-a', 'v4-b'],
    ],
    [
      ['v4-*', 'v4-a'],
      ['v4-a', 'v4-b', 'v4-c'],
    ],
    [['a', 'a'], ['a']],
    // A plain name stays even if no such pool exists, for the filter to report.
    [
      ['missing', 'test-ippool-?'],
      ['missing', 'test-ippool-6', 'test-ippool-7'],
    ],
    [['nothing-*'], []],
    [
      ['test-ippool-[67]', 'v4-[!a]'],
      ['test-ippool-6', 'test-ippool-7', 'v4-b', 'v4-c'],
    ],
    [[], []],
  ])('%j', (names, want) => {
    expect(expandPoolNames(names, existing)).toEqual(want)
  })

  it('propagates a bad pattern', () => {
    expect(() => expandPoolNames(['p]x['], existing)).toThrow('bad pattern "p]x["')
  })
})

// A reference: the same token language turned into a RegExp.
type Tok = { glob: string; re: string }
const tok: fc.Arbitrary<Tok> = fc.oneof(
  fc.constantFrom('a', 'b', '-').map((c) => ({ glob: c, re: c === '-' ? '\\-' : c })),
  fc.constant({ glob: '*', re: '.*' }),
  fc.constant({ glob: '?', re: '.' }),
  fc.constant({ glob: '[ab]', re: '[ab]' }),
  fc.constant({ glob: '[a-c]', re: '[a-c]' }),
  fc.constant({ glob: '[^a]', re: '[^a]' }),
  fc.constant({ glob: '[!b-c]', re: '[^b-c]' }),
  fc.constant({ glob: '\\*', re: '\\*' }),
)
const name = fc.array(fc.constantFrom('a', 'b', 'c', '-', '*'), { maxLength: 8 }).map((cs) => cs.join(''))

describe('wildcard properties', () => {
  it('agrees with an equivalent regular expression', () => {
    fc.assert(
      fc.property(fc.array(tok, { maxLength: 6 }), name, (toks, n) => {
        const glob = toks.map((t) => t.glob).join('')
        const re = new RegExp(`^${toks.map((t) => t.re).join('')}$`, 's')
        return matchWildcard(glob, n) === re.test(n)
      }),
      { numRuns: 2000 },
    )
  })

  it('a name without wildcard characters matches only itself', () => {
    fc.assert(
      fc.property(
        name.filter((n) => !n.includes('*')),
        name,
        (p, n) => matchWildcard(p, n) === (p === n),
      ),
    )
  })

  it('expansion is each entry in turn (a pattern by its matches in name order), first place wins', () => {
    const existing = ['p3', 'q1', 'p1', 'p2']
    const names = fc.array(fc.constantFrom('p1', 'p2', 'p3', 'p*', 'q?', '[pq]1', 'x'), { maxLength: 8 })
    fc.assert(
      fc.property(names, (ns) => {
        const out = expandPoolNames(ns, existing)
        const spelled = ns.flatMap((n) => (isWildcard(n) ? [...existing].sort().filter((e) => matchWildcard(n, e)) : [n]))
        const firstPlaces = spelled.filter((n, i) => spelled.indexOf(n) === i)
        return new Set(out).size === out.length && JSON.stringify(out) === JSON.stringify(firstPlaces)
      }),
    )
  })
})
