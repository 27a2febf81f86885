/**
 * IPv4 and IPv6 address, range and CIDR math for pools and subnets. Pure: no I/O, and no work
 * proportional to the number of addresses in a range.
 */
export type { Cidr, IpAddress, IpFamily, IpInput, IpRange } from './types.ts'
export { familyBits, ipToBigInt, isIp, maxAddressValue, parseIp, tryParseIp } from './address.ts'
export { bigIntToIp, formatIp, formatRange, formatRanges } from './format.ts'
export { parseIpRange, parseIpRanges } from './parse-ranges.ts'
export {
  cidrContainsIp,
  cidrContainsRange,
  cidrFamily,
  cidrsOverlap,
  cidrToRange,
  formatCidr,
  parseCanonicalCidr,
  parseCidr,
} from './cidr.ts'
export { intersectRanges, isMerged, mergeRanges, subtractRanges, unionRanges } from './ranges.ts'
export { findOverlap, ipInRanges, rangesContainIp, rangesContainRanges } from './range-queries.ts'
export { capToInt64, countIps, INT64_MAX, totalIpCount } from './count.ts'
export { stringifyJsonWithInt64 } from './json-int64.ts'
export { UsedIps } from './used-ips.ts'
export { FreeIpCursor } from './free-ip-cursor.ts'
export { firstFreeIp, firstFreeIps } from './first-free.ts'
