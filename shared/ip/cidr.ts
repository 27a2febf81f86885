import { IpamError } from '../errors.ts'
import { familyBits, maxAddressValue, tryParseIp } from './address.ts'
import { bigIntToIp } from './format.ts'
import type { Cidr, IpAddress, IpFamily, IpRange } from './types.ts'

const hostMask = (family: IpFamily, prefix: number): bigint => (1n << BigInt(familyBits(family) - prefix)) - 1n

/**
 * `address/prefix` with host bits masked off, as Go's net.ParseCIDR returns the network. Use
 * parseCanonicalCidr for `spec.subnet`, which must be written in canonical form.
 */
export const parseCidr = (text: string): Cidr => {
  const slash = text.indexOf('/')
  const address = slash < 0 ? undefined : tryParseIp(text.slice(0, slash))
  const prefixText = text.slice(slash + 1)
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
  if (address === undefined || !(prefix <= familyBits(address.family))) {
    throw new IpamError('invalid-resource', `invalid CIDR '${text}'`)
  }
  const { family } = address
  const network = address.value & (maxAddressValue(family) ^ hostMask(family, prefix))
  return { family, network, prefix }
}

export const formatCidr = (cidr: Cidr): string => `${bigIntToIp(cidr.network, cidr.family)}/${cidr.prefix}`

/**
 * A subnet as Spiderpool accepts it: the text must be exactly the canonical form, because pools are
 * matched to subnets (and labelled) by comparing this text. `10.0.0.1/24`, `FD00::/64` and
 * `10.0.0.0/024` are refused with the form to use instead, in Spiderpool's words (IsFormatCIDR).
 */
export const parseCanonicalCidr = (text: string): Cidr => {
  const cidr = parseCidr(text)
  const canonical = formatCidr(cidr)
  if (canonical !== text) {
    throw new IpamError('invalid-resource', `unformatted subnet ${text}, please change it to ${canonical}`)
  }
  return cidr
}

/** Derives `ipVersion` from a `subnet` text. */
export const cidrFamily = (text: string): IpFamily => parseCidr(text).family

export const cidrToRange = (cidr: Cidr): IpRange => ({
  family: cidr.family,
  start: cidr.network,
  end: cidr.network | hostMask(cidr.family, cidr.prefix),
})

export const cidrContainsRange = (cidr: Cidr, range: IpRange): boolean => {
  const { start, end } = cidrToRange(cidr)
  return range.family === cidr.family && range.start >= start && range.end <= end
}

export const cidrContainsIp = (cidr: Cidr, address: IpAddress): boolean =>
  cidrContainsRange(cidr, { family: address.family, start: address.value, end: address.value })

/**
 * Two prefixes either nest or are disjoint, so overlap means one contains the other's network.
 * Equal CIDRs overlap; the pool admission rule ("a different subnet that overlaps") skips equal
 * subnets before asking, as Spiderpool does.
 */
export const cidrsOverlap = (a: Cidr, b: Cidr): boolean => {
  if (a.family !== b.family) return false
  const wider = a.prefix <= b.prefix ? a : b
  const narrower = wider === a ? b : a
  return cidrContainsIp(wider, { family: narrower.family, value: narrower.network })
}
