import type { AllocatedIPs } from '../api/index.ts'

/** Frees what one pod NIC holds in one pool; `ip` narrows it to one address. */
export interface ReleaseRequest {
  podUid: string
  /** Only records that name their NIC (written before Spinneret followed Spiderpool's shape) can tell. */
  nic?: string
  ip?: string
  /** Addresses of the pod's other NICs, which stay: records do not say which NIC holds them. */
  keep?: readonly string[]
}

export interface ReleaseDecision {
  /** Per request, the addresses it freed (none when nothing matched: release is idempotent). */
  released: string[][]
  records: AllocatedIPs
  changed: boolean
}

/**
 * A record goes only when its podUid matches (and its IP and NIC, when given), so a late
 * release can never free an address that was just handed to a successor pod of the same name.
 */
export function releaseInPool(records: Readonly<AllocatedIPs>, requests: readonly ReleaseRequest[]): ReleaseDecision {
  const next: AllocatedIPs = { ...records }
  const released = requests.map((request) => {
    const freed: string[] = []
    // A release names its address (the endpoint says it): one lookup, not a pass over a pool of
    // thousands of records for each of a batch's requests.
    const candidates: Array<[string, AllocatedIPs[string] | undefined]> = request.ip !== undefined ? [[request.ip, next[request.ip]]] : Object.entries(next)
    for (const [ip, record] of candidates) {
      if (record === undefined || record.podUid !== request.podUid) continue
      if (request.nic !== undefined && record.interface !== undefined && record.interface !== request.nic) continue
      if (request.keep?.includes(ip)) continue
      delete next[ip]
      freed.push(ip)
    }
    return freed
  })
  return { released, records: next, changed: released.some((r) => r.length > 0) }
}
