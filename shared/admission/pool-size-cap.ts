import { serializeAllocatedIPs } from '../api/index.ts'
import { bigIntToIp, maxAddressValue, type IpFamily } from '../ip/index.ts'

/**
 * How many addresses a SpiderIPPool may hold so that its status can record every one of them.
 *
 * A pool is one etcd value, and etcd refuses a request over its `--max-request-bytes`, 1.5 MiB by
 * default. A full pool's value holds, per address: one `status.allocatedIPs` record, which is a JSON
 * string inside the object's JSON (every quote escaped once more), and the address's entry in
 * `spec.ips`, which `kubectl apply` writes twice (the spec, and its last-applied annotation).
 * Records are sized at their worst: the longest address text of the family, a 15-byte NIC name
 * (IFNAMSIZ - 1), a 63-byte namespace and a 253-byte pod name, a UID. What else an object holds
 * (names, labels, the other spec fields, managedFields) gets a fixed reserve.
 *
 * Spiderpool's 5,000 records fit only with short names (about 110 bytes a record); a pod named at
 * Kubernetes' limits would make such a status larger than etcd accepts, and the pool would stop
 * allocating. A cap that holds for any names cannot be that high.
 */
export const ETCD_REQUEST_LIMIT_BYTES = 1.5 * 1024 * 1024
export const OBJECT_RESERVE_BYTES = 64 * 1024

const longestAddress = (family: IpFamily): string => (family === 4 ? '255.255.255.255' : bigIntToIp(maxAddressValue(6), 6))

const worstRecord = {
  interface: 'n'.repeat(15),
  pod: `${'n'.repeat(63)}/${'p'.repeat(253)}`,
  podUid: '00000000-0000-0000-0000-000000000000',
}

/** The bytes one more record adds to the stored object: measured on the real encoding. */
export const worstRecordBytes = (family: IpFamily): number => {
  const ip = longestAddress(family)
  // Two records with keys of equal length: the difference is one record with its separator.
  const second = family === 4 ? '255.255.255.254' : `${ip.slice(0, -1)}e`
  const one = JSON.stringify(serializeAllocatedIPs({ [ip]: worstRecord }))
  const two = JSON.stringify(serializeAllocatedIPs({ [ip]: worstRecord, [second]: worstRecord }))
  return two.length - one.length
}

/** One address's `spec.ips` entry at its longest, `"<ip>",`, in the spec and in the annotation (escaped). */
export const worstEntryBytes = (family: IpFamily): number => {
  const entry = `${JSON.stringify(longestAddress(family))},`
  return entry.length + JSON.stringify(entry).length - 2
}

export const poolAddressCap = (family: IpFamily): number =>
  Math.floor((ETCD_REQUEST_LIMIT_BYTES - OBJECT_RESERVE_BYTES) / (worstRecordBytes(family) + worstEntryBytes(family)))

/** Per family; IPv6 addresses are longer to write, so fewer fit. */
export const POOL_ADDRESS_CAP: Readonly<Record<IpFamily, number>> = { 4: poolAddressCap(4), 6: poolAddressCap(6) }
