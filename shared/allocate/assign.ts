import type { AllocatedIPs } from '../api/index.ts'
import { FreeIpCursor, formatIp, ipInRanges, type IpFamily, type IpRange } from '../ip/index.ts'

/** One pod NIC asking one pool for one address. */
export interface AssignRequest {
  /** `<namespace>/<name>` */
  pod: string
  podUid: string
  nic: string
  /**
   * A StatefulSet pod whose ordinal is still wanted: the address its predecessor (same name,
   * older UID) held in this pool. It gets that address back when the record is still its own.
   */
  previous?: { ip: string; podUid: string }
  /**
   * The addresses of this pod in this pool that its other NICs hold (from its SpiderEndpoint and
   * from this call). Records carry no NIC (Spiderpool's shape), so when the pool holds a record
   * of this pod that is not listed here, it is this NIC's. Absent: not known yet, and such a
   * record makes the outcome 'unknown-owner', for the caller to read the endpoint and ask again.
   */
  others?: readonly string[]
}

export type AssignOutcome =
  | { ok: true; ip: string; how: 'existing' | 'restored' | 'fresh' }
  | { ok: false; reason: 'used-out' }
  | { ok: false; reason: 'unknown-owner' }

export interface AssignDecision {
  outcomes: AssignOutcome[]
  /** The pool's records after every request of the batch; `records` itself is not touched. */
  records: AllocatedIPs
  changed: boolean
}

// A record this process wrote before it stopped writing `interface` still names its NIC.
const mayBeFor = (record: AllocatedIPs[string] | undefined, request: AssignRequest): boolean =>
  record !== undefined && record.podUid === request.podUid && (record.interface === undefined || record.interface === request.nic)

/**
 * Decides addresses for a batch of requests against one read of a pool's records: the pure heart
 * of allocation (no I/O; the caller writes `records` back conditionally on the resourceVersion it
 * read). Requests are served in order, and each sees the records the earlier ones produced, so a
 * batch never hands out one address twice and a retried request finds its own record.
 *
 * Order of preference per request: the record it already holds (CNI ADD is retried), its
 * StatefulSet predecessor's address, then the lowest free address. Records are written as
 * Spiderpool v1.2 writes them, `{pod, podUid}`: which NIC holds an address is the endpoint's to say.
 *
 * @example assignInPool(4, records, availableRanges(pool, reserved), [{ pod: 'ns/a', podUid: 'u1', nic: 'eth0' }])
 */
export function assignInPool(
  family: IpFamily,
  records: Readonly<AllocatedIPs>,
  available: readonly IpRange[],
  requests: readonly AssignRequest[],
): AssignDecision {
  const next: AllocatedIPs = { ...records }
  // Indexed once per batch so that a large pool costs one pass, not one pass per request.
  const byUid = new Map<string, string[]>()
  const remember = (ip: string, podUid: string) => byUid.set(podUid, [...(byUid.get(podUid) ?? []), ip])
  for (const [ip, record] of Object.entries(next)) remember(ip, record.podUid)
  // Addresses this batch gave out, per pod UID and NIC: a pod's second NIC never takes the first's.
  const claimed = new Map<string, string>()
  const claim = (ip: string, request: AssignRequest) => claimed.set(ip, `${request.podUid}/${request.nic}`)
  let cursor: FreeIpCursor | undefined
  let changed = false
  const outcomes = requests.map((request): AssignOutcome => {
    const own = (ip: string) => {
      const by = claimed.get(ip)
      if (by !== undefined) return by === `${request.podUid}/${request.nic}`
      return mayBeFor(next[ip], request) && !request.others?.includes(ip)
    }
    const mine = (byUid.get(request.podUid) ?? []).filter(own).sort()
    const named = mine.find((ip) => next[ip]?.interface === request.nic || claimed.has(ip))
    const held = named ?? mine[0]
    if (held !== undefined) {
      if (named === undefined && request.others === undefined) return { ok: false, reason: 'unknown-owner' }
      claim(held, request)
      return { ok: true, ip: held, how: 'existing' }
    }

    const previous = request.previous
    if (previous) {
      const record = next[previous.ip]
      const reclaimable = record ? record.podUid === previous.podUid || record.pod === request.pod : ipInRanges(previous.ip, available)
      if (reclaimable) {
        next[previous.ip] = { pod: request.pod, podUid: request.podUid }
        remember(previous.ip, request.podUid)
        claim(previous.ip, request)
        cursor?.markUsed(previous.ip)
        changed = true
        return { ok: true, ip: previous.ip, how: 'restored' }
      }
    }

    cursor ??= FreeIpCursor.from(family, available, Object.keys(next))
    const address = cursor.next()
    if (!address) return { ok: false, reason: 'used-out' }
    const ip = formatIp(address)
    next[ip] = { pod: request.pod, podUid: request.podUid }
    remember(ip, request.podUid)
    claim(ip, request)
    changed = true
    return { ok: true, ip, how: 'fresh' }
  })
  return { outcomes, records: next, changed }
}
