import { parseIpv4Number } from './parse-ipv4.ts'

const COLON = 58

/** 0-15 for a hex digit's char code, -1 otherwise. */
const hexDigit = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48
  const lower = c | 0x20
  return lower >= 97 && lower <= 102 ? lower - 87 : -1
}

/**
 * RFC 4291 hex groups (`fd00::1`, `2001:DB8:0:0:0:0:0:1`): 1-4 hex digits per group, eight groups,
 * or at most seven around a single `::`.
 */
const parseGroups = (text: string): number[] | undefined => {
  const length = text.length
  const groups = [0, 0, 0, 0, 0, 0, 0, 0]
  let count = 0
  let gap = -1 // how many groups precede the `::`
  let i = 0
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return undefined
    gap = 0
    i = 2
  }
  while (i < length) {
    let group = 0
    let digits = 0
    for (; i < length; i++) {
      const d = hexDigit(text.charCodeAt(i))
      if (d < 0) break
      if (++digits > 4) return undefined
      group = group * 16 + d
    }
    if (digits === 0 || count === 8) return undefined
    groups[count++] = group
    if (i === length) break
    if (text.charCodeAt(i) !== COLON) return undefined
    i++
    if (i < length && text.charCodeAt(i) === COLON) {
      if (gap >= 0) return undefined
      gap = count
      i++
    } else if (i === length) {
      return undefined
    }
  }
  if (gap < 0) return count === 8 ? groups : undefined
  if (count > 7) return undefined
  // Slide the groups after `::` to the end and zero the gap they leave.
  const missing = 8 - count
  for (let k = 7; k >= gap + missing; k--) groups[k] = groups[k - missing] as number
  for (let k = gap; k < gap + missing; k++) groups[k] = 0
  return groups
}

/**
 * The value of any RFC 4291 text form as four 32-bit words, most significant first (plain numbers
 * sort and compare much faster than bigints). A trailing dotted quad is read strictly and placed
 * in the low 32 bits (`::1.2.3.4` is `::102:304`, as in Go; ipaddr.js would make it
 * `::ffff:1.2.3.4`). Zone ids (`fe80::1%eth0`) are refused: they name an interface, not an
 * address a pool can hand out.
 *
 * Hand-rolled rather than ipaddr.js (the tests use it as the reference) because every allocation
 * decision parses every allocated IP of the pool: ipaddr's regex parser took 40 ms for a
 * 10,000-IP status in scripts/bench-core.ts, this takes a few.
 */
export const parseIpv6Words = (text: string): [number, number, number, number] | undefined => {
  const lastColon = text.lastIndexOf(':')
  const dotted = text.includes('.', lastColon)
  const quad = dotted ? parseIpv4Number(text.slice(lastColon + 1)) : 0
  if (quad === undefined) return undefined
  // Two placeholder groups hold the quad's place while the rest is parsed.
  const g = parseGroups(dotted ? `${text.slice(0, lastColon + 1)}0:0` : text)
  if (g === undefined) return undefined
  // Spelled out: a helper closure here made parsing four times slower.
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number]
  return [g0 * 0x10000 + g1, g2 * 0x10000 + g3, g4 * 0x10000 + g5, dotted ? quad : g6 * 0x10000 + g7]
}

export const wordsToBigInt = (words: readonly [number, number, number, number]): bigint =>
  (BigInt(words[0]) << 96n) | (BigInt(words[1]) << 64n) | (BigInt(words[2]) << 32n) | BigInt(words[3])

export const bigIntToWords = (value: bigint): [number, number, number, number] => [
  Number((value >> 96n) & 0xffff_ffffn),
  Number((value >> 64n) & 0xffff_ffffn),
  Number((value >> 32n) & 0xffff_ffffn),
  Number(value & 0xffff_ffffn),
]
