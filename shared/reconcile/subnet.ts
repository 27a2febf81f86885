import {
  capIPCount,
  KIND,
  parseControlledIPPools,
  serializeControlledIPPools,
  type ControlledIPPools,
  type SpiderIPPool,
  type SpiderSubnet,
  type SubnetStatus,
} from '../api/index.ts'
import { countIps, formatRanges, intersectRanges, mergeRanges, unionRanges, type IpRange } from '../ip/index.ts'
import { familyOf, ipsOf, totalIPCountOf } from './address-space.ts'
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
 * The subnet's status as it should read: `controlledIPPools` rebuilt from the pools (their `ips`
 * merged, plus the owner application when labelled), `allocatedIPCount` = subnet IPs handed to
 * those pools (an IP two pools claim counts once; IPs outside the subnet's `ips` not at all),
 * `totalIPCount` = |ips − excludeIPs| capped. Undefined when the status already says so.
 * @throws IpamError('invalid-resource') naming the subnet or the pool whose IPs do not parse: a
 *   status computed without that pool would understate what the subnet has handed out.
 */
export const nextSubnetStatus = (subnet: SpiderSubnet, pools: readonly SpiderIPPool[]): SubnetStatus | undefined => {
  const owner = subnetOwner(subnet)
  const controlled: ControlledIPPools = {}
  const handedOut: IpRange[][] = []
  for (const pool of controlledPoolsOf(subnet, pools)) {
    const ranges = mergeRanges(ipsOf(pool.spec, poolOwner(pool)))
    handedOut.push(ranges)
    const application = applicationOf(pool.metadata.labels)
    controlled[pool.metadata.name] = { ips: formatRanges(ranges), ...(application && { application }) }
  }
  const allocatedIPCount = capIPCount(countIps(intersectRanges(unionRanges(...handedOut), ipsOf(subnet.spec, owner))))
  const totalIPCount = totalIPCountOf(subnet.spec, owner)
  const controlledIPPools = serializeControlledIPPools(controlled)
  const { status } = subnet
  if (
    status.allocatedIPCount === allocatedIPCount &&
    status.totalIPCount === totalIPCount &&
    sameControlledIPPools(status.controlledIPPools, controlledIPPools, subnet.metadata.name)
  ) {
    return undefined
  }
  const next: SubnetStatus = { ...status, allocatedIPCount, totalIPCount }
  if (controlledIPPools === undefined) delete next.controlledIPPools
  else next.controlledIPPools = controlledIPPools
  return next
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
  decision(nextFinalizers(subnet.metadata, controlledPoolsOf(subnet, pools).length > 0), () =>
    nextSubnetStatus(subnet, pools),
  )
