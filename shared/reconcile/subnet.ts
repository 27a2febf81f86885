import {
  capIPCount,
  KIND,
  parseControlledIPPools,
  serializeControlledIPPools,
  type ControlledIPPools,
  type PoolIPPreAllocation,
  type SpiderIPPool,
  type SpiderSubnet,
  type SubnetStatus,
} from '../api/index.ts'
import { countIps, formatRanges, intersectRanges, mergeRanges, parseIpRanges, subtractRanges, unionRanges, type IpFamily, type IpRange } from '../ip/index.ts'
import { familyOf, ipsOf, totalIPCountOf } from '../api/address-space.ts'
import { applicationOf } from './application.ts'
import { decision, type Decision } from './decision.ts'
import { nextFinalizers } from './finalizer.ts'

const subnetOwner = (subnet: SpiderSubnet) => ({ kind: KIND.subnet, name: subnet.metadata.name })
const poolOwner = (pool: SpiderIPPool) => ({ kind: KIND.ipPool, name: pool.metadata.name })

/**
 * Pools a subnet controls: those whose `spec.subnet` is the same text (Spiderpool matches the
 * canonical CIDR text, which admission enforces) and of the same family.
 */
export const controlledPoolsOf = (subnet: SpiderSubnet, pools: readonly SpiderIPPool[]): SpiderIPPool[] => {
  const family = familyOf(subnet.spec, subnetOwner(subnet))
  return pools.filter((p) => p.spec.subnet === subnet.spec.subnet && familyOf(p.spec, poolOwner(p)) === family)
}

/**
 * The subnet's status as it should read: `controlledIPPools` rebuilt from the pools, `allocatedIPCount`
 * = subnet IPs handed to pools (an IP two pools claim counts once; IPs outside the subnet's `ips` not
 * at all), `totalIPCount` = |ips − excludeIPs| capped. Undefined when the status already says so.
 *
 * A pool a user made shows its `ips`. For auto pools (owner-application labels) the subnet's entry
 * is the registry that hands their addresses out (see shared/autopool): its addresses are kept and
 * the pool's `ips` − `excludeIPs` added, so an entry grown ahead of its pool, or not yet given up by
 * an auto pool that only excluded the addresses it is leaving, stays as the auto-pool reconcile
 * wrote it. An entry with an `application` whose pool does not exist yet is a reservation made just
 * before the pool's creation and is kept; the auto-pool reconcile drops it when it is stale.
 * @throws IpamError('invalid-resource') naming the subnet or the pool whose IPs do not parse: a
 *   status computed without that pool would understate what the subnet has handed out.
 */
export const nextSubnetStatus = (subnet: SpiderSubnet, pools: readonly SpiderIPPool[]): SubnetStatus | undefined => {
  const owner = subnetOwner(subnet)
  const family = familyOf(subnet.spec, owner)
  const current = currentEntries(subnet)
  const controlled: ControlledIPPools = {}
  const mine = controlledPoolsOf(subnet, pools)
  for (const pool of mine) {
    const application = applicationOf(pool.metadata.labels)
    let ranges = mergeRanges(ipsOf(pool.spec, poolOwner(pool)))
    if (application) {
      const excluded = parseIpRanges(pool.spec.excludeIPs ?? [], family)
      ranges = unionRanges(entryRanges(current[pool.metadata.name], family), subtractRanges(ranges, excluded))
    }
    controlled[pool.metadata.name] = { ips: formatRanges(ranges), ...(application && { application }) }
  }
  const named = new Set(pools.map((p) => p.metadata.name))
  for (const [name, entry] of Object.entries(current)) {
    // A pool of that name elsewhere (another subnet) makes the entry stale, not pending.
    if (named.has(name) || entry.application === undefined) continue
    controlled[name] = { ips: formatRanges(entryRanges(entry, family)), application: entry.application }
  }
  const status = subnetStatusWith(subnet, controlled)
  return sameStatus(subnet, status) ? undefined : status
}

/**
 * The subnet's status with these controlledIPPools, counts computed from them (entries' IPs
 * outside the subnet's `ips` do not count, an IP in two entries counts once).
 * @throws IpamError('invalid-resource') when an entry or the subnet's spec does not parse
 */
export const subnetStatusWith = (subnet: SpiderSubnet, controlled: Readonly<ControlledIPPools>): SubnetStatus => {
  const owner = subnetOwner(subnet)
  const family = familyOf(subnet.spec, owner)
  const handedOut = Object.values(controlled).map((entry) => entryRanges(entry, family))
  const allocatedIPCount = capIPCount(countIps(intersectRanges(unionRanges(...handedOut), ipsOf(subnet.spec, owner))))
  const totalIPCount = totalIPCountOf(subnet.spec, owner)
  const controlledIPPools = serializeControlledIPPools(controlled)
  const next: SubnetStatus = { ...subnet.status, allocatedIPCount, totalIPCount }
  if (controlledIPPools === undefined) delete next.controlledIPPools
  else next.controlledIPPools = controlledIPPools
  return next
}

/** The subnet's controlledIPPools as read; a value that does not decode reads as none (it is derived state). */
export const currentEntries = (subnet: SpiderSubnet): ControlledIPPools => {
  try {
    return parseControlledIPPools(subnet.status.controlledIPPools, subnet.metadata.name)
  } catch {
    return {}
  }
}

/** An entry's IPs as merged ranges; none when absent or when they do not parse (derived state again). */
export const entryRanges = (entry: PoolIPPreAllocation | undefined, family: IpFamily): IpRange[] => {
  try {
    return mergeRanges(parseIpRanges(entry?.ips ?? [], family))
  } catch {
    return []
  }
}

const sameStatus = (subnet: SpiderSubnet, next: SubnetStatus): boolean => {
  const { status } = subnet
  return (
    status.allocatedIPCount === next.allocatedIPCount &&
    status.totalIPCount === next.totalIPCount &&
    sameControlledIPPools(status.controlledIPPools, next.controlledIPPools, subnet.metadata.name)
  )
}

// Compared decoded, so another writer's key order or spacing alone does not cause a write. A
// current value that does not decode is simply replaced: it is derived state, rebuilt in full here.
const sameControlledIPPools = (current: string | undefined, next: string | undefined, subnetName: string): boolean => {
  try {
    return serializeControlledIPPools(parseControlledIPPools(current, subnetName)) === next
  } catch {
    return false
  }
}

/**
 * Finalizer and status for one subnet, given every pool (this picks the controlled ones). A
 * terminating subnet keeps its finalizer while it controls pools.
 * @throws IpamError('invalid-resource'), as nextSubnetStatus
 */
export const decideSubnet = (subnet: SpiderSubnet, pools: readonly SpiderIPPool[]): Decision<SubnetStatus> =>
  decision(nextFinalizers(subnet.metadata, controlledPoolsOf(subnet, pools).length > 0), () => nextSubnetStatus(subnet, pools))
