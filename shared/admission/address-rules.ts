import type { IPPoolSpec, SubnetSpec } from '../api/index.ts'
import {
  cidrContainsIp,
  cidrContainsRange,
  cidrsOverlap,
  cidrFamily,
  findOverlap,
  parseIpRanges,
  parseCanonicalCidr,
  parseCidr,
  parseIpRange,
  rangesContainIp,
  subtractRanges,
  tryParseIp,
  type Cidr,
  type IpFamily,
  type IpRange,
} from '../ip/index.ts'
import { familyOf, ipsOf } from '../api/address-space.ts'
import { invalid, type FieldError } from './field-error.ts'

/** The spec fields SpiderIPPool and SpiderSubnet share, as admission reads them. */
export type AddressSpec = Pick<IPPoolSpec & SubnetSpec, 'ipVersion' | 'subnet' | 'ips' | 'excludeIPs' | 'gateway' | 'routes'>

/** A spec whose family, subnet and IP lists parsed: what the cross-object rules compare. */
export interface ParsedAddressSpec {
  family: IpFamily
  cidr: Cidr
  ips: IpRange[]
  excludeIPs: IpRange[]
  /** ips − excludeIPs: what Spiderpool calls the total IP addresses. */
  total: IpRange[]
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: FieldError }
const ok = <T>(value: T): Checked<T> => ({ ok: true, value })
const fail = (error: FieldError): Checked<never> => ({ ok: false, error })

// Spiderpool's texts (pkg/ip): `%w in IPv%d '%s'` over its error values.
const badCidr = (family: IpFamily, text: string) => `invalid CIDR format in IPv${family} '${text}'`
const badRange = (family: IpFamily, text: string) => `invalid IP range format in IPv${family} '${text}'`
const badIp = (family: IpFamily, text: string) => `invalid IP format in IPv${family} '${text}'`
// Spiderpool says "of IPPool" for subnets too: the check is shared there as well.
const outside = (subnet: string) => `not pertains to the 'spec.subnet' ${subnet} of IPPool`

/**
 * `spec.ipVersion` as set (the CRD allows only 4 and 6), else derived from `spec.subnet` as the
 * mutating webhook derives it, so an object that skipped mutation is judged the same. Spiderpool's
 * words when neither works.
 */
export const checkIPVersion = (spec: Pick<AddressSpec, 'ipVersion' | 'subnet'>): Checked<IpFamily> => {
  if (spec.ipVersion !== undefined) return ok(spec.ipVersion)
  try {
    return ok(cidrFamily(spec.subnet))
  } catch {
    return fail(invalid('spec.ipVersion', null, "is not generated correctly, 'spec.subnet' may be invalid"))
  }
}

/** `spec.subnet`: a CIDR of the family, written in canonical form (pools and subnets match by text). */
export const checkSubnet = (subnet: string, family: IpFamily): Checked<Cidr> => {
  let cidr: Cidr | undefined
  try {
    cidr = parseCidr(subnet)
  } catch {
    cidr = undefined
  }
  if (cidr?.family !== family) return fail(invalid('spec.subnet', subnet, badCidr(family, subnet)))
  try {
    return ok(parseCanonicalCidr(subnet))
  } catch (e) {
    return fail(invalid('spec.subnet', subnet, (e as Error).message))
  }
}

/** Each entry a range of the family inside the subnet, no two sharing an address (mutation merges them). */
export const checkEntries = (field: string, entries: readonly string[], family: IpFamily, cidr: Cidr, subnet: string): Checked<IpRange[]> => {
  const ranges: IpRange[] = []
  for (const [i, text] of entries.entries()) {
    let range: IpRange
    try {
      range = parseIpRange(text, family)
    } catch {
      return fail(invalid(`${field}[${i}]`, text, badRange(family, text)))
    }
    if (!cidrContainsRange(cidr, range)) return fail(invalid(`${field}[${i}]`, text, outside(subnet)))
    ranges.push(range)
  }
  const overlap = findOverlap(ranges)
  if (overlap) {
    const [first, second] = overlap
    return fail(invalid(`${field}[${second}]`, entries[second], `overlaps with '${field}[${first}]' ${entries[first]}`))
  }
  return ok(ranges)
}

/** An address inside the subnet; `field` names it in the refusal. */
const checkAddressInSubnet = (field: string, text: string, family: IpFamily, cidr: Cidr, subnet: string): FieldError | undefined => {
  const address = tryParseIp(text)
  if (address === undefined || address.family !== family) return invalid(field, text, badIp(family, text))
  return cidrContainsIp(cidr, address) ? undefined : invalid(field, text, outside(subnet))
}

/** The gateway lies in the subnet, and is never handed out: in `ips` only when also in `excludeIPs`. */
export const checkGateway = (spec: AddressSpec, parsed: ParsedAddressSpec): FieldError | undefined => {
  const { gateway } = spec
  if (gateway === undefined) return undefined
  const error = checkAddressInSubnet('spec.gateway', gateway, parsed.family, parsed.cidr, spec.subnet)
  if (error) return error
  const address = { family: parsed.family, value: (tryParseIp(gateway) as { value: bigint }).value }
  if (rangesContainIp(parsed.excludeIPs, address)) return undefined
  const index = parsed.ips.findIndex((range) => rangesContainIp([range], address))
  if (index < 0) return undefined
  return invalid(
    `spec.ips[${index}]`,
    spec.ips?.[index],
    `conflicts with 'spec.gateway' ${gateway}, add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'`,
  )
}

/** Routes: no default route (that is `gateway`'s job), one route per `dst`, a `gw` inside the subnet. */
export const checkRoutes = (spec: AddressSpec, parsed: ParsedAddressSpec): FieldError | undefined => {
  const seen = new Set<string>()
  for (const [i, route] of (spec.routes ?? []).entries()) {
    const field = `spec.routes[${i}]`
    if (route.dst === (parsed.family === 4 ? '0.0.0.0/0' : '::/0')) {
      return invalid(`${field}.dst`, route.dst, "please specify 'spec.gateway' to configure the default route")
    }
    if (seen.has(route.dst)) return invalid(`${field}.dst`, route.dst, 'duplicate route with the same dst')
    seen.add(route.dst)
    let dst: Cidr | undefined
    try {
      dst = parseCidr(route.dst)
    } catch {
      dst = undefined
    }
    if (dst?.family !== parsed.family) return invalid(`${field}.dst`, route.dst, badCidr(parsed.family, route.dst))
    const gw = checkAddressInSubnet(`${field}.gw`, route.gw, parsed.family, parsed.cidr, spec.subnet)
    if (gw) return gw
  }
  return undefined
}

/**
 * Family, subnet, `ips` and `excludeIPs` in Spiderpool's order, stopping at the first error as it
 * does. Ranges stay ranges: an IPv6 /64 costs what a /30 costs.
 */
export const parseAddressSpec = (spec: AddressSpec): Checked<ParsedAddressSpec> => {
  const family = checkIPVersion(spec)
  if (!family.ok) return family
  const cidr = checkSubnet(spec.subnet, family.value)
  if (!cidr.ok) return cidr
  const ips = checkEntries('spec.ips', spec.ips ?? [], family.value, cidr.value, spec.subnet)
  if (!ips.ok) return ips
  const excludeIPs = checkEntries('spec.excludeIPs', spec.excludeIPs ?? [], family.value, cidr.value, spec.subnet)
  if (!excludeIPs.ok) return excludeIPs
  return ok({
    family: family.value,
    cidr: cidr.value,
    ips: ips.value,
    excludeIPs: excludeIPs.value,
    total: subtractRanges(ips.value, excludeIPs.value),
  })
}

/**
 * Another object of the cluster, for comparisons, read as leniently as allocation reads it (a
 * non-canonical subnet still counts); undefined when even that fails (an object admitted before
 * the webhooks ran): it cannot be compared, and refusing because of it would block everyone else.
 */
export const totalOf = (spec: AddressSpec): Omit<ParsedAddressSpec, 'ips' | 'excludeIPs'> | undefined => {
  try {
    const owner = { kind: '', name: '' }
    const family = familyOf(spec, owner)
    const excluded = parseIpRanges(spec.excludeIPs ?? [], family)
    return { family, cidr: parseCidr(spec.subnet), total: subtractRanges(ipsOf(spec, owner), excluded) }
  } catch {
    return undefined
  }
}

/** The first of `others` of the same family whose subnet overlaps this one's, other than those `skip` names. */
export const overlappingCidr = <T extends { spec: AddressSpec }>(others: readonly T[], spec: ParsedAddressSpec, skip: (other: T) => boolean): T | undefined =>
  others.find((other) => {
    if (skip(other)) return false
    const theirs = totalOf(other.spec)
    return theirs?.family === spec.family && cidrsOverlap(theirs.cidr, spec.cidr)
  })

export type { Checked }
