/**
 * IPv4 and IPv6 address, range and CIDR math for pools and subnets. Pure: no I/O, and no work
 * proportional to the number of addresses in a range.
 */
export type { Cidr, IpAddress, IpFamily, IpInput, IpRange } from './types.ts'
export { familyBits, maxAddressValue, parseIp, tryParseIp } from './address.ts'
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
export { countIps } from './count.ts'
export { UsedIps } from './used-ips.ts'
export { FreeIpCursor } from './free-ip-cursor.ts'
