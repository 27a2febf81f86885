/**
 * What must hold after any fault, checked from the API alone (a pure function of one snapshot,
 * so every rule is tested without a cluster): no address in two records or two pods; every record
 * names a pod that exists with that UID; every running pod's address is recorded for it; every
 * pool's count is its number of records; no allocation was refused for want of addresses.
 */

export interface RecordView {
  pool: string
  ip: string
  /** namespace/name */
  pod: string
  podUid: string
}

export interface PoolView {
  name: string
  records: number
  allocatedIPCount: number | undefined
}

export interface PodState {
  /** namespace/name */
  key: string
  uid: string
  ip?: string
  running: boolean
  terminating: boolean
}

export interface Snapshot {
  pools: PoolView[]
  records: RecordView[]
  pods: PodState[]
  /** Messages of the pods' FailedCreatePodSandBox events (the runtime's CNI errors). */
  sandboxFailures: string[]
}

export interface Violation {
  rule: 'duplicate-address' | 'record-without-pod' | 'pod-without-record' | 'count-mismatch' | 'refused-with-free-addresses'
  detail: string
}

// The pools are sized above the workload's largest demand, so "used out" can never be right.
const SHORTAGE = /all IP addresses used out|IP addresses? .*exhausted|no IP available/i

export function violations(s: Snapshot): Violation[] {
  const found: Violation[] = []
  const byIp = new Map<string, RecordView[]>()
  for (const r of s.records) byIp.set(r.ip, [...(byIp.get(r.ip) ?? []), r])
  for (const [ip, records] of byIp) {
    if (records.length > 1)
      found.push({
        rule: 'duplicate-address',
        detail: `${ip} recorded ${records.length} times: ${records.map((r) => `${r.pool} -> ${r.pod} (${r.podUid})`).join(', ')}`,
      })
  }
  const podsByIp = new Map<string, PodState[]>()
  for (const p of s.pods) if (p.ip && p.running && !p.terminating) podsByIp.set(p.ip, [...(podsByIp.get(p.ip) ?? []), p])
  for (const [ip, pods] of podsByIp) {
    if (pods.length > 1) found.push({ rule: 'duplicate-address', detail: `${ip} is the address of running pods ${pods.map((p) => p.key).join(', ')}` })
  }
  const podByUid = new Map(s.pods.map((p) => [p.uid, p]))
  for (const r of s.records) {
    const pod = podByUid.get(r.podUid)
    if (!pod || pod.key !== r.pod)
      found.push({ rule: 'record-without-pod', detail: `${r.pool} holds ${r.ip} for ${r.pod} (${r.podUid}), which does not exist` })
  }
  const recorded = new Map(s.records.map((r) => [r.ip, r]))
  for (const p of s.pods) {
    if (!p.running || p.terminating || !p.ip) continue
    const record = recorded.get(p.ip)
    if (record?.podUid !== p.uid)
      found.push({
        rule: 'pod-without-record',
        detail: `running pod ${p.key} (${p.uid}) has ${p.ip}, recorded ${record ? `for ${record.pod} (${record.podUid})` : 'nowhere'}`,
      })
  }
  for (const pool of s.pools) {
    if ((pool.allocatedIPCount ?? 0) !== pool.records)
      found.push({ rule: 'count-mismatch', detail: `${pool.name} counts ${pool.allocatedIPCount ?? 0} with ${pool.records} records` })
  }
  for (const message of new Set(s.sandboxFailures.filter((m) => SHORTAGE.test(m)))) {
    found.push({ rule: 'refused-with-free-addresses', detail: message })
  }
  return found
}
