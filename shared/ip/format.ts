import type { IpAddress, IpFamily, IpRange } from './types.ts'

const formatIpv4 = (value: bigint): string => {
  const n = Number(value)
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`
}

/**
 * RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups (the first one
 * on a tie) shown as `::`. This is what Go's `net.IP.String()` writes, so status keys written by
 * Spiderpool and by us compare equal as text. One knowing difference: Go prints an IPv4-mapped
 * address (`::ffff:a.b.c.d`) as bare IPv4; it is an IPv6 value here and prints as `::ffff:102:304`.
 */
const formatIpv6 = (value: bigint): string => {
  const hex = value.toString(16).padStart(32, '0')
  const groups: string[] = []
  let bestStart = -1
  let bestLength = 1
  let runStart = -1
  for (let i = 0; i < 8; i++) {
    const group = hex.slice(i * 4, i * 4 + 4).replace(/^0{1,3}/, '')
    groups.push(group)
    if (group === '0') {
      if (runStart < 0) runStart = i
      const runLength = i - runStart + 1
      if (runLength > bestLength) {
        bestStart = runStart
        bestLength = runLength
      }
    } else {
      runStart = -1
    }
  }
  if (bestStart < 0) return groups.join(':')
  const head = groups.slice(0, bestStart).join(':')
  const tail = groups.slice(bestStart + bestLength).join(':')
  return `${head}::${tail}`
}

export const bigIntToIp = (value: bigint, family: IpFamily): string => (family === 4 ? formatIpv4(value) : formatIpv6(value))

export const formatIp = (address: IpAddress): string => bigIntToIp(address.value, address.family)

/** Spiderpool's `ips` entry form: `10.6.168.1-10.6.168.10`, or the bare IP for a one-address range. */
export const formatRange = (range: IpRange): string => {
  const start = bigIntToIp(range.start, range.family)
  return range.start === range.end ? start : `${start}-${bigIntToIp(range.end, range.family)}`
}

export const formatRanges = (ranges: readonly IpRange[]): string[] => ranges.map(formatRange)
