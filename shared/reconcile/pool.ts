import { KIND, parseAllocatedIPs, type IPPoolStatus, type SpiderIPPool } from '../api/index.ts'
import { totalIPCountOf } from '../api/address-space.ts'
import { decision, type Decision } from './decision.ts'
import { nextFinalizers } from './finalizer.ts'

/**
 * The pool's counts as they should read: `allocatedIPCount` = records in `allocatedIPs` (kept as
 * is: allocation owns it), `totalIPCount` = |ips − excludeIPs| capped. Undefined when the status
 * already says so.
 * @throws IpamError('invalid-resource') when the spec's IPs or the allocatedIPs string do not parse
 */
export const nextPoolStatus = (pool: SpiderIPPool): IPPoolStatus | undefined => {
  const name = pool.metadata.name
  const allocatedIPCount = Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, name)).length
  const totalIPCount = totalIPCountOf(pool.spec, { kind: KIND.ipPool, name })
  const { status } = pool
  if (status.allocatedIPCount === allocatedIPCount && status.totalIPCount === totalIPCount) return undefined
  return { ...status, allocatedIPCount, totalIPCount }
}

/**
 * Finalizer and status for one pool. A pool that loses our finalizer is about to disappear, so
 * its status is not worth a write.
 * @throws IpamError('invalid-resource'), as nextPoolStatus
 */
export const decidePool = (pool: SpiderIPPool): Decision<IPPoolStatus> => {
  const inUse = Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)).length > 0
  return decision(nextFinalizers(pool.metadata, inUse), () => nextPoolStatus(pool))
}

/**
 * Whether this version of the pool needs no reconcile: finalizer and counts already agree. The
 * allocator writes the counts with the records, so most pool events are settled; telling so from
 * the event itself spares a read per event. A pool that does not parse is not settled (the
 * reconcile reports it).
 */
export const poolIsSettled = (pool: SpiderIPPool): boolean => {
  try {
    const { finalizer, status } = decidePool(pool)
    return finalizer === undefined && status === undefined
  } catch {
    return false
  }
}
