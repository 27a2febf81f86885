import { KIND, type SpiderIPPool, type SpiderReservedIP } from '../api/index.ts'
import { IpamError } from '../errors.ts'
import { parseIpRanges, subtractRanges, type IpFamily, type IpRange } from '../ip/index.ts'
import { familyOf, ipsOf } from '../api/address-space.ts'

const ownerOf = (pool: SpiderIPPool) => ({ kind: KIND.ipPool, name: pool.metadata.name })

/** A pool's family: spec.ipVersion, else derived from its subnet as the mutating webhook would. */
export const poolFamily = (pool: SpiderIPPool): IpFamily => familyOf(pool.spec, ownerOf(pool))

/**
 * What a pool may hand out: ips − excludeIPs − reserved IPs. Reserved IPs only narrow future
 * allocations; records already holding one stay, as in Spiderpool.
 */
export const availableRanges = (pool: SpiderIPPool, reserved: readonly IpRange[]): IpRange[] => {
  const family = poolFamily(pool)
  const ips = ipsOf(pool.spec, ownerOf(pool))
  const excluded = parseIpRanges(pool.spec.excludeIPs ?? [], family)
  return subtractRanges(
    subtractRanges(ips, excluded),
    reserved.filter((r) => r.family === family),
  )
}

/**
 * Every reserved range of the cluster, both families. A malformed SpiderReservedIP stops
 * allocation rather than being skipped: skipping it could hand out an address someone reserved.
 */
export const reservedRanges = (objects: readonly SpiderReservedIP[]): IpRange[] =>
  objects.flatMap((r) => {
    try {
      return parseIpRanges(r.spec.ips ?? [], r.spec.ipVersion)
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e)
      throw new IpamError('invalid-resource', `SpiderReservedIP ${r.metadata.name}: ${why}`)
    }
  })
