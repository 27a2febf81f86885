/**
 * Pool-name wildcards, as Spiderpool reads them with Go's filepath.Match: `*` any run, `?` one
 * character, `[abc]`, `[a-z]`, `[^a]`, `\` escapes. We also take `[!a]` for negation (shell
 * habit; Kubernetes names cannot contain `!`, so nothing that worked before changes meaning).
 */

/** A pattern Go's filepath.Match would refuse (ErrBadPattern). */
export class WildcardSyntaxError extends Error {
  override readonly name = 'WildcardSyntaxError'
}

/**
 * Spiderpool's test for "this is a pattern": `?` or `*`, or both `[` and `]`. Anything else is a
 * plain name, even when it contains a lone `[` or a backslash.
 */
export const isWildcard = (name: string): boolean => name.includes('*') || name.includes('?') || (name.includes('[') && name.includes(']'))

type Range = readonly [lo: string, hi: string]
type Token =
  | { readonly t: 'star' }
  | { readonly t: 'any' }
  | { readonly t: 'char'; readonly c: string }
  | { readonly t: 'class'; readonly negated: boolean; readonly ranges: readonly Range[] }

const compile = (pattern: string): Token[] => {
  const cs = Array.from(pattern)
  const bad = (why: string) => new WildcardSyntaxError(`bad pattern "${pattern}": ${why}`)
  const tokens: Token[] = []
  let i = 0
  // One class member; Go refuses an unescaped '-' or ']' here.
  const classChar = (): string => {
    const c = cs[i]
    if (c === undefined) throw bad('unterminated [')
    if (c === '-' || c === ']') throw bad(`unexpected '${c}' in [...]`)
    if (c === '\\') {
      i += 1
      const escaped = cs[i]
      if (escaped === undefined) throw bad('trailing backslash')
      i += 1
      return escaped
    }
    i += 1
    return c
  }
  while (i < cs.length) {
    const c = cs[i] as string
    if (c === '*') {
      i += 1
      // `**` matches what `*` matches: one token, so a run of stars costs what one costs.
      if (tokens[tokens.length - 1]?.t !== 'star') tokens.push({ t: 'star' })
    } else if (c === '?') {
      i += 1
      tokens.push({ t: 'any' })
    } else if (c === '\\') {
      const escaped = cs[i + 1]
      if (escaped === undefined) throw bad('trailing backslash')
      i += 2
      tokens.push({ t: 'char', c: escaped })
    } else if (c === '[') {
      i += 1
      const negated = cs[i] === '^' || cs[i] === '!'
      if (negated) i += 1
      const ranges: Range[] = []
      while (!(cs[i] === ']' && ranges.length > 0)) {
        const lo = classChar()
        let hi = lo
        if (cs[i] === '-') {
          i += 1
          hi = classChar()
        }
        ranges.push([lo, hi])
      }
      i += 1
      tokens.push({ t: 'class', negated, ranges })
    } else {
      i += 1
      tokens.push({ t: 'char', c })
    }
  }
  return tokens
}

const matchOne = (token: Exclude<Token, { t: 'star' }>, c: string): boolean => {
  switch (token.t) {
    case 'any':
      return true
    case 'char':
      return token.c === c
    case 'class': {
      const cp = c.codePointAt(0) ?? -1
      const inside = token.ranges.some(([lo, hi]) => (lo.codePointAt(0) ?? 0) <= cp && cp <= (hi.codePointAt(0) ?? 0))
      return inside !== token.negated
    }
  }
}

/**
 * A matcher for one pattern; throws WildcardSyntaxError for a malformed one, whatever the name
 * (Go's filepath.Match validates the whole pattern too).
 */
export const compileWildcard = (pattern: string): ((name: string) => boolean) => {
  const tokens = compile(pattern)
  // Each token but a star consumes one character: a name shorter than that count (or, without a
  // star, of another length) cannot match, and is turned down before the table is built.
  const fixed = tokens.filter((token) => token.t !== 'star').length
  const starred = fixed < tokens.length
  return (name) => {
    const cs = Array.from(name)
    const n = cs.length
    if (starred ? n < fixed : n !== fixed) return false
    // can[j]: the tokens seen so far can consume exactly cs[0..j). Two rows, reused.
    let can = new Uint8Array(n + 1)
    let next = new Uint8Array(n + 1)
    can[0] = 1
    for (const token of tokens) {
      let any = 0
      if (token.t === 'star') {
        let reached = 0
        for (let j = 0; j <= n; j++) {
          reached |= can[j] as number
          next[j] = reached
        }
        any = reached
      } else {
        next[0] = 0
        for (let j = 0; j < n; j++) {
          const hit = can[j] === 1 && matchOne(token, cs[j] as string) ? 1 : 0
          next[j + 1] = hit
          any |= hit
        }
      }
      if (any === 0) return false
      ;[can, next] = [next, can]
    }
    return can[n] === 1
  }
}

/**
 * Expand a user's list against the pools that exist. The user's order is kept; a pattern
 * contributes its matches in name order (the API server's list order, which Spiderpool uses);
 * a name is kept once, at its first place. A plain name stays even when no such pool exists, so
 * the filter can say so; a pattern that matches nothing contributes nothing.
 */
export const expandPoolNames = (names: readonly string[], existing: readonly string[]): string[] => {
  const sorted = [...existing].sort()
  const out = new Set<string>()
  for (const name of names) {
    if (!isWildcard(name)) {
      out.add(name)
      continue
    }
    const matches = compileWildcard(name)
    for (const candidate of sorted) if (matches(candidate)) out.add(candidate)
  }
  return [...out]
}
