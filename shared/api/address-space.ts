import { capIPCount, type IPCount, type IPPoolSpec, type SubnetSpec } from './index.ts'
import { IpamError } from '../errors.ts'
import { cidrFamily, countIps, parseIpRanges, subtractRanges, type IpFamily, type IpRange } from '../ip/index.ts'

/** The spec fields pools and subnets share that decide which addresses they span. */
export type AddressSpec = Pick<IPPoolSpec & SubnetSpec, 'ipVersion' | 'subnet' | 'ips' | 'excludeIPs'>

/** Who owns a spec, so that a refusal names the object and the field, not just the bad text. */
export interface SpecOwner {
  kind: string
  name: string
}

const naming = <T>(owner: SpecOwner, field: string, read: () => T): T => {
  try {
    return read()
  } catch (e) {
    if (e instanceof IpamError) throw new IpamError(e.code, `${owner.kind} ${owner.name}: ${field}: ${e.message}`, e.details)
    throw e
  }
}

/** `ipVersion` when set; otherwise what admission would derive from `subnet`. */
export const familyOf = (spec: AddressSpec, owner: SpecOwner): IpFamily => spec.ipVersion ?? naming(owner, 'spec.subnet', () => cidrFamily(spec.subnet))

/** `spec.ips` as ranges, unmerged. @throws IpamError('invalid-resource') naming the owner */
export const ipsOf = (spec: AddressSpec, owner: SpecOwner): IpRange[] => {
  const family = familyOf(spec, owner)
  return naming(owner, 'spec.ips', () => parseIpRanges(spec.ips ?? [], family))
}

/**
 * `status.totalIPCount`: |ips − excludeIPs|. Reserved IPs are not subtracted (Spiderpool does not
 * either), and the count is capped so a huge IPv6 range is written as a number the API accepts.
 */
export const totalIPCountOf = (spec: AddressSpec, owner: SpecOwner): IPCount => {
  const family = familyOf(spec, owner)
  const excluded = naming(owner, 'spec.excludeIPs', () => parseIpRanges(spec.excludeIPs ?? [], family))
  return capIPCount(countIps(subtractRanges(ipsOf(spec, owner), excluded)))
}
