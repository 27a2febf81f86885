import { KIND, serializeAllocatedIPs, type AllocatedIPs, type IPPoolStatus, type SpiderIPPool } from '../api/index.ts'
import { totalIPCountOf } from '../api/address-space.ts'

/** The status a pool has with these records: the counts always follow the records. */
export const poolStatusFor = (pool: SpiderIPPool, records: Readonly<AllocatedIPs>): IPPoolStatus => {
  const status: IPPoolStatus = {
    allocatedIPCount: Object.keys(records).length,
    totalIPCount: totalIPCountOf(pool.spec, { kind: KIND.ipPool, name: pool.metadata.name }),
  }
  const encoded = serializeAllocatedIPs(records)
  if (encoded !== undefined) status.allocatedIPs = encoded
  return status
}
