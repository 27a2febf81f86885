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
}

export type AssignOutcome =
  | { ok: true; ip: string; how: 'existing' | 'restored' | 'fresh' }
  | { ok: false; reason: 'used-out' }

export interface AssignDecision {
  outcomes: AssignOutcome[]
  /** The pool's records after every request of the batch; `records` itself is not touched. */
  records: AllocatedIPs
  changed: boolean
}

const ownsFor = (record: AllocatedIPs[string] | undefined, request: AssignRequest): boolean =>
  record !== undefined &&
  record.podUid === request.podUid && (record.interface === undefined || record.interface === request.nic)

/**
 * Decides addresses for a batch of requests against one read of a pool's records: the pure heart
 * of allocation (no I/O; the caller writes `records` back conditionally on the resourceVersion it
 * read). Requests are served in order, and each sees the records the earlier ones produced, so a
 * batch never hands out one address twice and a retried request finds its own record.
 *
 * Order of preference per request: the record it already holds (CNI ADD is retried), its
 * StatefulSet predecessor's address, then the lowest free address.
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
  let cursor: FreeIpCursor | undefined
  let changed = false
  const outcomes = requests.map((request): AssignOutcome => {
    const held = byUid.get(request.podUid)?.find((ip) => ownsFor(next[ip], request))
    if (held !== undefined) return { ok: true, ip: held, how: 'existing' }

    const previous = request.previous
    if (previous) {
      const record = next[previous.ip]
      const reclaimable = record
        ? record.podUid === previous.podUid || record.pod === request.pod
        : ipInRanges(previous.ip, available)
      if (reclaimable) {
        next[previous.ip] = { interface: request.nic, pod: request.pod, podUid: request.podUid }
        remember(previous.ip, request.podUid)
        cursor?.markUsed(previous.ip)
        changed = true
        return { ok: true, ip: previous.ip, how: 'restored' }
      }
    }

    cursor ??= FreeIpCursor.from(family, available, Object.keys(next))
    const address = cursor.next()
    if (!address) return { ok: false, reason: 'used-out' }
    const ip = formatIp(address)
    next[ip] = { interface: request.nic, pod: request.pod, podUid: request.podUid }
    remember(ip, request.podUid)
    changed = true
    return { ok: true, ip, how: 'fresh' }
  })
  return { outcomes, records: next, changed }
}
