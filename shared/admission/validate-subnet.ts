import { KIND, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { cidrsOverlap, formatRanges, rangesContainRanges, subtractRanges } from '../ip/index.ts'
import { checkGateway, checkRoutes, overlappingCidr, parseAddressSpec, totalOf, type ParsedAddressSpec } from './address-rules.ts'
import { goList, forbidden, invalid, type FieldError } from './field-error.ts'
import { owningSubnet } from './owner-subnet.ts'
import { updateShortcut } from './unchangeable.ts'
import { allow, denyInvalid, type Verdict } from './verdict.ts'

export interface SubnetAdmission {
  operation: 'CREATE' | 'UPDATE'
  subnet: SpiderSubnet
  oldSubnet?: SpiderSubnet
  /** Every subnet of the cluster; the one under review, if listed, is skipped by name. */
  subnets: readonly SpiderSubnet[]
  pools: readonly SpiderIPPool[]
}

/**
 * Whether a SpiderSubnet may be created or updated: Spiderpool's rules and texts
 * (pkg/subnetmanager subnet_validate.go), except that two subnets may not overlap at all, equal
 * CIDRs included (Spiderpool's overlap test passes equal CIDRs, which would give one pool two
 * owners).
 */
export function validateSubnet(review: SubnetAdmission): Verdict {
  const { subnet, oldSubnet } = review
  const refuse = (...errors: Array<FieldError | undefined>) => denyInvalid(KIND.subnet, subnet.metadata.name, errors)
  const early = review.operation === 'UPDATE' && oldSubnet ? updateShortcut(oldSubnet.spec, subnet.spec) : undefined
  if (early) return early === 'same' ? allow() : refuse(early)
  const parsed = parseAddressSpec(subnet.spec)
  if (!parsed.ok) return refuse(parsed.error)
  const spec = parsed.value
  if (review.operation === 'CREATE') {
    const conflict = overlappingSubnet(subnet, spec, review.subnets) ?? orphanPoolConflict(subnet, spec, review.pools)
    if (conflict) return refuse(conflict)
  }
  const specError = checkGateway(subnet.spec, spec) ?? checkRoutes(subnet.spec, spec)
  if (specError) return refuse(specError)
  return review.operation === 'UPDATE' ? refuse(removesInUse(subnet, spec, review.pools, review.subnets)) : allow()
}

const overlappingSubnet = (subnet: SpiderSubnet, spec: ParsedAddressSpec, subnets: readonly SpiderSubnet[]): FieldError | undefined => {
  const other = overlappingCidr(subnets, spec, (o) => o.metadata.name === subnet.metadata.name)
  return other && invalid('spec.subnet', subnet.spec.subnet, `overlap with Subnet ${other.metadata.name} which 'spec.subnet' is ${other.spec.subnet}`)
}

/**
 * Pools that exist before their subnet: one of another overlapping CIDR could never belong to it,
 * and one of the same CIDR becomes its pool, so the subnet must cover that pool's addresses.
 */
const orphanPoolConflict = (subnet: SpiderSubnet, spec: ParsedAddressSpec, pools: readonly SpiderIPPool[]): FieldError | undefined => {
  for (const pool of pools) {
    const theirs = totalOf(pool.spec)
    if (theirs?.family !== spec.family) continue
    if (pool.spec.subnet !== subnet.spec.subnet) {
      if (cidrsOverlap(theirs.cidr, spec.cidr)) {
        return invalid('spec.subnet', subnet.spec.subnet, `overlap with SpiderIPPool '${pool.metadata.name}' resource 'spec.subnet' ${pool.spec.subnet}`)
      }
    } else if (!rangesContainRanges(spec.total, theirs.total)) {
      return invalid(
        'spec.ips',
        subnet.spec.ips ?? [],
        `SpiderIPPool '${pool.metadata.name}' owns some IP addresses that SpiderSubnet '${subnet.metadata.name}' can't control`,
      )
    }
  }
  return undefined
}

/** Addresses one of the subnet's pools holds that the new `ips` − `excludeIPs` no longer covers. */
const removesInUse = (
  subnet: SpiderSubnet,
  spec: ParsedAddressSpec,
  pools: readonly SpiderIPPool[],
  subnets: readonly SpiderSubnet[],
): FieldError | undefined => {
  for (const pool of pools) {
    if (owningSubnet(pool, subnets)?.metadata.name !== subnet.metadata.name) continue
    const theirs = totalOf(pool.spec)
    if (theirs?.family !== spec.family) continue
    const outside = subtractRanges(theirs.total, spec.total)
    if (outside.length > 0) {
      return forbidden(
        'spec.ips',
        `remove some IP ranges ${goList(formatRanges(outside))} that is being used by IPPool ${pool.metadata.name}, total IP addresses of an Subnet are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
      )
    }
  }
  return undefined
}
