import { capIPCount, serializeAllocatedIPs, type AllocatedIPs, type IPPoolStatus, type SpiderIPPool } from '../api/index.ts'
import { parseIpRanges, totalIpCount } from '../ip/index.ts'
import { poolFamily } from './pool-ranges.ts'

/** |ips − excludeIPs|, capped as Spinneret writes counts; reserved IPs are not subtracted. */
export const poolTotalIPCount = (pool: SpiderIPPool): number => {
  const family = poolFamily(pool)
  return capIPCount(totalIpCount(parseIpRanges(pool.spec.ips ?? [], family), parseIpRanges(pool.spec.excludeIPs ?? [], family)))
}

/** The status a pool has with these records: the counts always follow the records. */
export const poolStatusFor = (pool: SpiderIPPool, records: Readonly<AllocatedIPs>): IPPoolStatus => {
  const status: IPPoolStatus = {
    allocatedIPCount: Object.keys(records).length,
    totalIPCount: poolTotalIPCount(pool),
  }
  const encoded = serializeAllocatedIPs(records)
  if (encoded !== undefined) status.allocatedIPs = encoded
  return status
}
