import { parseAllocatedIPs, type SpiderIPPool, type SpiderSubnet, type SubnetStatus } from '../api/index.ts'
import { countIps, formatRanges, intersectRanges, mergeRanges, parseIpRanges, subtractRanges, unionRanges, UsedIps, type IpRange } from '../ip/index.ts'
import { currentEntries, entryRanges, familyOf, ipsOf, subnetStatusWith } from '../reconcile/index.ts'
import { applicationName, type AutoPoolApp } from './application.ts'
import { newAutoPool, withAutoPoolMetadata } from './desired-pool.ts'
import type { AutoPoolIntent, AutoPoolWant } from './intent.ts'
import { highestAddresses, lowestAddresses } from './pick-addresses.ts'
import { autoPoolName } from './pool-name.ts'

export interface PlanInput {
  readonly app: AutoPoolApp
  readonly want: AutoPoolWant
  readonly intent: Pick<AutoPoolIntent, 'size' | 'reclaim' | 'ipNumber'>
  /** The SpiderSubnet `want.subnet` names, as read; undefined when it does not exist. */
  readonly subnet: SpiderSubnet | undefined
  /** The application's pool for this NIC and family (findAutoPool), if it has one. */
  readonly pool: SpiderIPPool | undefined
  /** Every pool of the cluster, for the addresses other pools hold. */
  readonly pools: readonly SpiderIPPool[]
  /** Every SpiderReservedIP's addresses (reservedRanges). */
  readonly reserved: readonly IpRange[]
}

/** Why an auto pool cannot be what its application asks, in the words of an Event's reason. */
export type RefusalReason = 'SubnetNotFound' | 'SubnetMismatch' | 'SubnetTerminating' | 'InsufficientIPs' | 'IPConflict'

/**
 * The next write that brings an auto pool closer to what its application asks, or why none is
 * due. Each step is one conditional write; the caller writes it, reads again and asks again.
 */
export type AutoPoolStep =
  | { readonly kind: 'settled'; readonly pool: SpiderIPPool }
  | { readonly kind: 'write-subnet'; readonly subnet: SpiderSubnet; readonly status: SubnetStatus; readonly why: string }
  | { readonly kind: 'create-pool'; readonly pool: SpiderIPPool }
  | { readonly kind: 'update-pool'; readonly pool: SpiderIPPool; readonly why: string }
  /** Nothing can be written now; a later event (a pod gone, a pool gone) brings it back. */
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'refuse'; readonly reason: RefusalReason; readonly why: string }

/**
 * One step of an application's auto pool for one NIC and family, decided on what was read.
 *
 * The subnet's `controlledIPPools` entry of the pool is the registry of its addresses: addresses
 * enter it (lowest free first: not in the subnet's `excludeIPs`, not reserved, in no other entry
 * and held by no other pool, in use or not) by a write of the subnet's status conditional on the
 * resourceVersion they were found free at, so two applications drawing from one subnet at once
 * can never get one address. The pool follows its entry:
 *
 * - to grow, the entry grows first, then the pool's `ips`; a pool is made with its entry's IPs
 *   (an entry never shrinks before its pool exists);
 * - to shrink, the pool first excludes the addresses that leave (free ones, or reserved ones it
 *   never took), by a write conditional on the pool's resourceVersion, at which they were free:
 *   an excluded address is never handed out. Then the entry gives up what the pool excludes, then
 *   the pool drops them from `ips` and `excludeIPs`. An address the pool excludes is never taken
 *   back: a shrink once begun is finished, and growth reserves afresh.
 *
 * Every change of a pool is conditional on the resourceVersion it was decided on, and an address
 * leaves an entry only once its pool excludes it, so a decision made on a moment-old subnet can
 * never make a pool hand out an address its entry lacks: the pool's `ips` − `excludeIPs` always
 * lie in its entry. Only free addresses leave; when too few are free the pool shrinks by what is,
 * and waits for the rest. Wherever a crash stops these steps, the next decision finishes them.
 */
export function planAutoPool(input: PlanInput): AutoPoolStep {
  const { app, want, subnet, pool } = input
  const subject = `the IPv${want.family} auto pool of ${app.kind} ${app.namespace}/${app.name} for ${want.nic}`
  if (subnet === undefined) return refuse('SubnetNotFound', `SpiderSubnet ${want.subnet} does not exist (${subject})`)
  const family = familyOf(subnet.spec, { kind: 'SpiderSubnet', name: subnet.metadata.name })
  if (family !== want.family) {
    return refuse('SubnetMismatch', `SpiderSubnet ${want.subnet} is of IPv${family}, named for IPv${want.family} (${subject})`)
  }
  if (pool && pool.spec.subnet !== subnet.spec.subnet) {
    return refuse(
      'SubnetMismatch',
      `${subject} is ${pool.metadata.name} of subnet ${pool.spec.subnet}, not of SpiderSubnet ${want.subnet} (${subnet.spec.subnet}): an auto pool does not change subnets`,
    )
  }
  if (pool?.metadata.deletionTimestamp !== undefined) return { kind: 'wait', why: `${pool.metadata.name} is being deleted` }

  const name = pool?.metadata.name ?? autoPoolName(app.name, want.family, want.nic, app.uid)
  const entries = currentEntries(subnet)
  const entry = entryRanges(entries[name], family)
  const size = BigInt(input.intent.size)
  const count = countIps(entry)
  const terminating = subnet.metadata.deletionTimestamp !== undefined
  const withEntry = (ranges: readonly IpRange[], why: string): AutoPoolStep => ({
    kind: 'write-subnet',
    subnet,
    status: subnetStatusWith(subnet, { ...entries, [name]: { ips: formatRanges(mergeRanges(ranges)), application: applicationName(app) } }),
    why,
  })
  const taken = () => takenByOthers(input, name, entries, family)
  const reserve = (own: readonly IpRange[]): AutoPoolStep => {
    if (terminating) return refuse('SubnetTerminating', `SpiderSubnet ${subnet.metadata.name} is terminating: ${subject} cannot take IPs from it`)
    const available = subtractRanges(subtractRanges(subnetRanges(subnet), input.reserved), unionRanges(taken(), own))
    const need = size - count
    const got = lowestAddresses(available, need)
    if (countIps(got) < need) {
      const free = countIps(available)
      return refuse(
        'InsufficientIPs',
        `SpiderSubnet ${subnet.metadata.name} has ${free} free IPs, ${subject} (${name}) needs ${need} more: insufficient subnet FreeIPs, required '${need}' but only left '${free}'`,
      )
    }
    return withEntry(unionRanges(entry, got), `reserve ${formatRanges(got).join(',')}`)
  }

  if (pool === undefined) {
    if (count < size) return reserve(entry)
    if (terminating) return refuse('SubnetTerminating', `SpiderSubnet ${subnet.metadata.name} is terminating: ${subject} cannot be made from it`)
    return { kind: 'create-pool', pool: newAutoPool({ name, app, want, intent: input.intent, subnet, ips: formatRanges(entry) }) }
  }

  const ips = ipsOf(pool.spec, { kind: 'SpiderIPPool', name })
  const excluded = parseIpRanges(pool.spec.excludeIPs ?? [], family)
  const allocatable = subtractRanges(ips, excluded)
  const updated = (nextIps: readonly IpRange[], nextExcluded: readonly IpRange[], why: string): AutoPoolStep => ({
    kind: 'update-pool',
    pool: withRanges(pool, nextIps, nextExcluded),
    why,
  })

  // The last step of a shrink: what the pool excludes and its entry gave up leaves the pool.
  const given = subtractRanges(excluded, entry)
  if (given.length > 0) return updated(subtractRanges(ips, given), subtractRanges(excluded, given), `drop ${formatRanges(given).join(',')}`)

  // Addresses the pool could hand out that its entry lacks (the entry lost, or the pool made by
  // hand): recorded in the entry when nobody else has them.
  const outside = subtractRanges(allocatable, entry)
  if (outside.length > 0) {
    const conflict = intersectRanges(outside, unionRanges(taken(), subtractRanges(outside, subnetRanges(subnet))))
    if (conflict.length > 0) {
      return refuse(
        'IPConflict',
        `${name} can hand out ${formatRanges(conflict).join(',')}, which SpiderSubnet ${subnet.metadata.name} does not reserve for it`,
      )
    }
    return withEntry(unionRanges(entry, outside), `record ${formatRanges(outside).join(',')}`)
  }

  // The second step of a shrink: the entry gives up what the pool excludes.
  const leaving = intersectRanges(entry, excluded)
  if (leaving.length > 0) return withEntry(subtractRanges(entry, leaving), `release ${formatRanges(leaving).join(',')}`)

  if (count < size) return reserve(unionRanges(entry, ips))
  if (count > size) {
    // The first step of a shrink: reserved addresses the pool never took, then free ones.
    const surplus = count - size
    const pending = subtractRanges(entry, ips)
    const inUse = UsedIps.from(family, Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, name))).runs
    const free = subtractRanges(allocatable, inUse)
    const leave = unionRanges(highestAddresses(pending, surplus), highestAddresses(free, surplus - countIps(highestAddresses(pending, surplus))))
    if (leave.length === 0) return { kind: 'wait', why: `${name} holds ${surplus} IPs more than wanted, and none is free` }
    return updated(ips, unionRanges(excluded, leave), `exclude ${formatRanges(leave).join(',')}`)
  }

  // The entry is the size wanted: the pool takes all of it.
  const next = withRanges(pool, unionRanges(ips, entry), excluded)
  const synced = withAutoPoolMetadata(next, { app, want, intent: input.intent, subnet }) ?? next
  if (JSON.stringify(synced.spec) !== JSON.stringify(pool.spec) || synced.metadata !== next.metadata) {
    return { kind: 'update-pool', pool: synced, why: "take its reserved IPs and its application's labels" }
  }
  return { kind: 'settled', pool }
}

const refuse = (reason: RefusalReason, why: string): AutoPoolStep => ({ kind: 'refuse', reason, why })

/** The subnet's `ips` − `excludeIPs`. */
const subnetRanges = (subnet: SpiderSubnet): IpRange[] => {
  const owner = { kind: 'SpiderSubnet', name: subnet.metadata.name }
  const family = familyOf(subnet.spec, owner)
  return subtractRanges(ipsOf(subnet.spec, owner), parseIpRanges(subnet.spec.excludeIPs ?? [], family))
}

/** What other pools hold or may hand out, and what the subnet reserved for them, in this family. */
const takenByOthers = (input: PlanInput, name: string, entries: ReturnType<typeof currentEntries>, family: 4 | 6): IpRange[] => {
  const reservedForOthers = Object.entries(entries)
    .filter(([pool]) => pool !== name)
    .map(([, entry]) => entryRanges(entry, family))
  const heldByOthers = input.pools
    .filter((p) => p.metadata.name !== name && familyOf(p.spec, { kind: 'SpiderIPPool', name: p.metadata.name }) === family)
    .map((p) => {
      const owner = { kind: 'SpiderIPPool', name: p.metadata.name }
      const records = Object.keys(parseAllocatedIPs(p.status.allocatedIPs, p.metadata.name))
      return unionRanges(ipsOf(p.spec, owner), UsedIps.from(family, records).runs)
    })
  return unionRanges(...reservedForOthers, ...heldByOthers)
}

const withRanges = (pool: SpiderIPPool, ips: readonly IpRange[], excluded: readonly IpRange[]): SpiderIPPool => {
  const spec = { ...pool.spec, ips: formatRanges(mergeRanges(ips)) }
  if (excluded.length > 0) spec.excludeIPs = formatRanges(mergeRanges(excluded))
  else delete spec.excludeIPs
  return { ...pool, spec }
}
