import { parseAllocatedIPs, type SpiderEndpoint, type SpiderIPPool } from '../api/index.ts'
import { deadPodReason, keepsStatefulSetIPs } from '../allocate/pod-rules.ts'
import type { PodView } from '../api/views.ts'

/** What a scan for leaked addresses read, in this order (see leakedIPs for why the order matters). */
export interface LeakScan {
  pools: readonly SpiderIPPool[]
  endpoints: readonly SpiderEndpoint[]
  pods: readonly PodView[]
  /** `namespace/name` → the StatefulSet, for the endpoints that name one; absent: the set is gone. */
  statefulSets: ReadonlyMap<string, { name: string; replicas?: number; ordinalsStart?: number }>
  /** RFC 3339, to tell a pod stuck terminating past its deadline. */
  now: string
  /**
   * Scan one node only: `pods` are that node's, and only records whose endpoint places that
   * incarnation on this node are judged (a pod never changes nodes, so one missing from the node's
   * list is gone). Records without such an endpoint are left to a cluster-wide scan or to DEL.
   */
  node?: string
  /**
   * Nodes that are down (Ready not True, or deleted), with since when (RFC 3339). A pod on a node
   * down for longer than `nodeDownGraceSeconds` counts as gone: its kubelet can run no DEL, and
   * the node may never come back. Only the cluster-wide scan (the leader's) knows this.
   */
  downNodes?: ReadonlyMap<string, string>
  nodeDownGraceSeconds?: number
}

export interface Leak {
  pool: string
  ip: string
  podUid: string
  /** `namespace/name` the record names. */
  pod: string
  reason: string
}

/**
 * The allocation records whose pod will never use them again (Spiderpool's IP GC rules): the
 * pod is gone, replaced by another incarnation, finished for good, or terminating past
 * its deadline. A StatefulSet's record stays while the set still wants that ordinal: its next pod
 * gets the address back.
 *
 * Sound only when `pods` was read (from etcd, not a cache) after `pools` and `endpoints`: every
 * record names a pod that existed before the record was written, so a pod missing from a later
 * list is really gone. Releasing is still guarded by IP and UID, so a record re-taken meanwhile
 * by a new pod is never freed.
 */
export function leakedIPs(scan: LeakScan): Leak[] {
  const pods = new Map(scan.pods.map((p) => [`${p.namespace}/${p.name}`, p]))
  const endpoints = new Map(scan.endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]))
  const leaks: Leak[] = []
  const onThisNode = (key: string, podUid: string) => {
    const current = endpoints.get(key)?.status.current
    return current?.uid === podUid && current.node === scan.node
  }
  for (const pool of scan.pools) {
    const records = parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)
    for (const [ip, record] of Object.entries(records)) {
      if (scan.node !== undefined && !onThisNode(record.pod, record.podUid)) continue
      const reason = whyLeaked(record.pod, record.podUid, pods.get(record.pod), endpoints.get(record.pod), scan)
      if (reason) leaks.push({ pool: pool.metadata.name, ip, podUid: record.podUid, pod: record.pod, reason })
    }
  }
  return leaks
}

/**
 * The SpiderEndpoints whose pod incarnation is gone, replaced, finished or on a node down past
 * the grace, whether or not a pool still holds its records (a DEL that released the addresses
 * and died before the endpoint, or records already collected). A StatefulSet's endpoint stays
 * while the set wants that ordinal: its next pod reads it.
 */
export function orphanedEndpoints(scan: LeakScan): Array<{ endpoint: SpiderEndpoint; reason: string }> {
  const pods = new Map(scan.pods.map((p) => [`${p.namespace}/${p.name}`, p]))
  return scan.endpoints.flatMap((endpoint) => {
    const current = endpoint.status.current
    if (scan.node !== undefined && current.node !== scan.node) return []
    const key = `${endpoint.metadata.namespace}/${endpoint.metadata.name}`
    const reason = whyLeaked(key, current.uid, pods.get(key), endpoint, scan)
    return reason ? [{ endpoint, reason }] : []
  })
}

function whyLeaked(key: string, podUid: string, live: PodView | undefined, endpoint: SpiderEndpoint | undefined, scan: LeakScan): string | undefined {
  const name = key.slice(key.indexOf('/') + 1)
  // The endpoint of the record's own incarnation says whether it belonged to a StatefulSet.
  const statefulSet =
    endpoint?.status.current.uid === podUid && endpoint.status.ownerControllerType === 'StatefulSet'
      ? scan.statefulSets.get(`${endpoint.metadata.namespace}/${endpoint.status.ownerControllerName}`)
      : undefined
  if (statefulSet && keepsStatefulSetIPs(name, statefulSet)) return undefined
  if (!live) return `pod ${key} no longer exists`
  if (live.uid !== podUid) return `pod ${key} is now another incarnation (UID ${live.uid}, not ${podUid})`
  if (live.deletionTimestamp) {
    const past = Date.parse(live.deletionTimestamp) <= Date.parse(scan.now)
    if (past) return `pod ${key} is still terminating past its deadline ${live.deletionTimestamp}`
  }
  const downSince = live.nodeName === undefined ? undefined : scan.downNodes?.get(live.nodeName)
  const grace = scan.nodeDownGraceSeconds
  if (downSince !== undefined && grace !== undefined && Date.parse(downSince) + grace * 1000 <= Date.parse(scan.now)) {
    return `pod ${key} is on node ${live.nodeName}, down since ${downSince} (longer than the ${grace} s grace)`
  }
  return live.deletionTimestamp ? undefined : deadPodReason(live)
}
