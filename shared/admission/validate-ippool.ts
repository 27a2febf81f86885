import { FINALIZER, KIND, parseAllocatedIPs, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { countIps, formatRanges, ipInRanges, intersectRanges, subtractRanges, UsedIps, type IpRange } from '../ip/index.ts'
import { checkGateway, checkRoutes, overlappingCidr, parseAddressSpec, totalOf, type ParsedAddressSpec } from './address-rules.ts'
import { forbidden, goList, invalid, type FieldError } from './field-error.ts'
import { autoPoolAddresses } from './auto-pool-rules.ts'
import { checkPodAffinity } from './label-selector-rules.ts'
import { owningSubnet } from './owner-subnet.ts'
import { POOL_ADDRESS_CAP } from './pool-size-cap.ts'
import { denyForbidden, denyInvalid, allow, type Verdict } from './verdict.ts'
import { updateShortcut } from './unchangeable.ts'

export interface IPPoolAdmission {
  operation: 'CREATE' | 'UPDATE'
  pool: SpiderIPPool
  /** The stored pool, for UPDATE. */
  oldPool?: SpiderIPPool
  /** Every pool of the cluster; the one under review, if listed, is skipped by name. */
  pools: readonly SpiderIPPool[]
  subnets: readonly SpiderSubnet[]
  /** The request comes from the service itself (the user it runs as): it keeps the auto pools. */
  byService?: boolean
}

const JOINTLY = "total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'"

/**
 * Whether a SpiderIPPool may be created or updated: Spiderpool's rules and refusal texts
 * (pkg/ippoolmanager ippool_validate.go, ippool_subnet_validate.go, ippool_webhook.go), in its
 * order, plus the size cap. Pure: the caller hands in the cluster's other pools and subnets.
 * An update that leaves `spec` as it is is not judged again (see updateShortcut).
 */
export function validateIPPool(review: IPPoolAdmission): Verdict {
  const { pool, oldPool } = review
  const refuse = (...errors: Array<FieldError | undefined>) => denyInvalid(KIND.ipPool, pool.metadata.name, errors)
  const others = review.pools.filter((p) => p.metadata.name !== pool.metadata.name)

  if (review.operation === 'UPDATE' && oldPool) {
    if (pool.metadata.deletionTimestamp !== undefined) {
      return (pool.metadata.finalizers ?? []).includes(FINALIZER) ? denyForbidden('cannot update a terminating IPPool') : allow()
    }
    const early = updateShortcut(oldPool.spec, pool.spec)
    if (early) return early === 'same' ? allow() : refuse(early)
  }
  const parsed = parseAddressSpec(pool.spec)
  if (!parsed.ok) return refuse(parsed.error)
  const spec = parsed.value
  if (review.operation === 'CREATE') {
    const overlapping = subnetOverlap(pool, spec, others)
    if (overlapping) return refuse(overlapping)
  }
  const specError = tooLarge(spec) ?? sharedAddresses(spec, others) ?? checkGateway(pool.spec, spec) ?? checkRoutes(pool.spec, spec)
  const affinity = checkPodAffinity(pool.spec.podAffinity)
  if (review.operation === 'CREATE' && (specError || affinity.length > 0)) return refuse(specError, ...affinity)
  if (specError) return refuse(specError)
  if (affinity.length > 0) return refuse(...affinity)
  if (review.operation === 'UPDATE') {
    const removed = removesInUse(oldPool ?? pool, spec)
    if (removed) return refuse(removed)
  }
  const oldTotal = oldPool ? totalOf(oldPool.spec)?.total : undefined
  return refuse(
    outsideOwnerSubnet(pool, spec, review.subnets) ??
      autoPoolAddresses({ pool, spec, subnets: review.subnets, byService: review.byService === true, ...(oldTotal ? { oldTotal } : {}) }),
  )
}

/** A different subnet of the same family that overlaps this one (equal subnets share by design). */
const subnetOverlap = (pool: SpiderIPPool, spec: ParsedAddressSpec, others: readonly SpiderIPPool[]): FieldError | undefined => {
  const other = overlappingCidr(others, spec, (o) => o.spec.subnet === pool.spec.subnet)
  return other && invalid('spec.subnet', pool.spec.subnet, `overlap with IPPool ${other.metadata.name} which 'spec.subnet' is ${other.spec.subnet}`)
}

/**
 * An address this pool could hand out that another pool could hand out too. Spiderpool compares
 * pools of the same subnet only (different subnets may not overlap at all); pools admitted before
 * the webhooks ran can break that, so every pool of the family is compared.
 */
const sharedAddresses = (spec: ParsedAddressSpec, others: readonly SpiderIPPool[]): FieldError | undefined => {
  for (const other of others) {
    const theirs = totalOf(other.spec)
    if (theirs?.family !== spec.family) continue
    const shared = intersectRanges(spec.total, theirs.total)
    if (shared.length > 0) {
      return forbidden('spec.ips', `overlap with IPPool ${other.metadata.name} in IP ranges ${goList(formatRanges(shared))}, ${JOINTLY}`)
    }
  }
  return undefined
}

/** More addresses than the pool's status could record (see pool-size-cap.ts). Counted, never listed. */
const tooLarge = (spec: ParsedAddressSpec): FieldError | undefined => {
  const cap = POOL_ADDRESS_CAP[spec.family]
  const count = countIps(spec.total)
  if (count <= BigInt(cap)) return undefined
  return forbidden(
    'spec.ips',
    `${count} IP addresses are more than the ${cap} an IPv${spec.family} SpiderIPPool can record (its status must fit in etcd's 1.5 MiB request limit), split them over several IPPools`,
  )
}

/** An address a pod holds that the new `ips` − `excludeIPs` no longer contains, naming the pod. */
const removesInUse = (stored: SpiderIPPool, spec: ParsedAddressSpec): FieldError | undefined => {
  let records: ReturnType<typeof parseAllocatedIPs>
  let used: readonly IpRange[]
  try {
    records = parseAllocatedIPs(stored.status.allocatedIPs, stored.metadata.name)
    used = UsedIps.from(spec.family, Object.keys(records)).runs
  } catch (e) {
    return forbidden('spec.ips', `cannot tell which IP addresses are in use: ${(e as Error).message}`)
  }
  const lost = subtractRanges(used, spec.total)[0]
  if (lost === undefined) return undefined
  const ip = Object.keys(records).find((key) => ipInRanges(key, [lost])) as string
  return forbidden('spec.ips', `remove an IP address ${ip} that is being used by Pod ${records[ip]?.pod}, ${JOINTLY}`)
}

/** A pool of a SpiderSubnet takes its addresses from the subnet's `ips` − `excludeIPs`. */
const outsideOwnerSubnet = (pool: SpiderIPPool, spec: ParsedAddressSpec, subnets: readonly SpiderSubnet[]): FieldError | undefined => {
  const subnet = owningSubnet(pool, subnets)
  const theirs = subnet && totalOf(subnet.spec)
  if (!subnet || !theirs || theirs.family !== spec.family) return undefined
  const outside = subtractRanges(spec.total, theirs.total)
  if (outside.length === 0) return undefined
  return forbidden(
    'spec.ips',
    `add some IP ranges ${goList(formatRanges(outside))} that are not contained in controller Subnet ${subnet.metadata.name}, ${JOINTLY}`,
  )
}
