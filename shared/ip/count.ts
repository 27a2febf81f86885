import { mergeRanges, subtractRanges } from './ranges.ts'
import type { IpRange } from './types.ts'

/** The largest int64: the ceiling of `totalIPCount`, whose CRD type is int64. */
export const INT64_MAX = 9_223_372_036_854_775_807n

/** Exact number of distinct addresses; overlaps are counted once. */
export const countIps = (ranges: readonly IpRange[]): bigint => {
  let total = 0n
  for (const range of mergeRanges(ranges)) total += range.end - range.start + 1n
  return total
}

export const capToInt64 = (count: bigint): bigint => (count > INT64_MAX ? INT64_MAX : count)

/**
 * `status.totalIPCount` of a pool or subnet: |ips − excludeIPs|, reserved IPs not subtracted,
 * capped at INT64_MAX (a /64 of IPv6 has 2^64 addresses).
 *
 * Returned as bigint on purpose: INT64_MAX is not a JS number (Number() rounds it up to 2^63,
 * which the API server refuses as out of int64 range) and JSON.stringify throws on bigint. Write
 * it with stringifyJsonWithInt64; an IPv4 count (at most 2^32) may also go through Number() safely.
 */
export const totalIpCount = (ips: readonly IpRange[], excludeIps: readonly IpRange[]): bigint =>
  capToInt64(countIps(subtractRanges(ips, excludeIps)))
