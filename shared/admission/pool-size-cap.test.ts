import { describe, expect, it } from 'vitest'
import { serializeAllocatedIPs, type AllocatedIPs } from '../api/index.ts'
import { bigIntToIp, maxAddressValue, type IpFamily } from '../ip/index.ts'
import { ETCD_REQUEST_LIMIT_BYTES, OBJECT_RESERVE_BYTES, POOL_ADDRESS_CAP, worstEntryBytes, worstRecordBytes } from './pool-size-cap.ts'

const worstPool = (family: IpFamily, count: number) => {
  const records: AllocatedIPs = {}
  const ips: string[] = []
  const top = family === 4 ? 0xffff_ffffn : maxAddressValue(6)
  for (let i = 0; i < count; i++) {
    const ip = bigIntToIp(top - BigInt(i), family)
    ips.push(ip)
    records[ip] = { interface: 'n'.repeat(15), pod: `${'n'.repeat(63)}/${'p'.repeat(253)}`, podUid: '00000000-0000-0000-0000-000000000000' }
  }
  return { records, ips }
}

describe('the pool size cap', () => {
  it.each([4, 6] as const)(
    'IPv%s: a full pool of worst-case records and entries fits the etcd limit with the reserve to spare; the cap is the most that does',
    (family) => {
      const cap = POOL_ADDRESS_CAP[family]
      const size = (count: number) => {
        const { records, ips } = worstPool(family, count)
        const status = JSON.stringify(serializeAllocatedIPs(records))
        const entries = JSON.stringify(ips)
        // spec.ips, and kubectl's last-applied annotation holding the spec again as a JSON string
        return status.length + entries.length + JSON.stringify(entries).length
      }
      const budget = ETCD_REQUEST_LIMIT_BYTES - OBJECT_RESERVE_BYTES
      expect(size(cap)).toBeLessThanOrEqual(budget)
      const perAddress = worstRecordBytes(family) + worstEntryBytes(family)
      expect(cap * perAddress).toBeLessThanOrEqual(budget)
      expect((cap + 1) * perAddress).toBeGreaterThan(budget)
    },
  )

  it('is below what Spiderpool allows, because Spiderpool sizes records for short names', () => {
    expect(POOL_ADDRESS_CAP[4]).toBeGreaterThan(POOL_ADDRESS_CAP[6])
    expect(POOL_ADDRESS_CAP[4]).toBeLessThan(5000)
    // Spiderpool's 5,000 records at their worst would not fit.
    expect(5000 * worstRecordBytes(4)).toBeGreaterThan(ETCD_REQUEST_LIMIT_BYTES)
  })
})
