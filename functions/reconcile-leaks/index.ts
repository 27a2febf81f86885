import { leakedIPs, orphanedEndpoints, type Leak } from '../../shared/reconcile/index.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { isStoreConflict, type Store } from '../../shared/store/store.ts'
import type { SpiderEndpoint } from '../../shared/api/index.ts'
import type { PoolWriter } from '../lib/pool-writer.ts'

export interface LeakDeps {
  store: Store
  poolWriter: PoolWriter
  log?: Logger
  now?: () => Date
  /** Scan this node only (see LeakScan.node): what a per-node service does. */
  nodeName?: string
  /**
   * The cluster-wide scan (the leader's) also judges nodes: a pod on a node down (NotReady, or
   * deleted) for longer than this is gone. Ignored with `nodeName`.
   */
  nodeDownGraceSeconds?: number
  /**
   * Since when each deleted node has been missing, as this process first noticed it (a deleted
   * node says nothing more); kept by the caller across scans.
   */
  goneNodes?: Map<string, string>
  /** Told of what one pool gave back (the leader records an Event on the pool). */
  onReleased?: (pool: string, leaks: Leak[]) => void
}

export interface LeakOutcome {
  /** The records found leaked; each was released unless its IP had been re-taken meanwhile. */
  leaks: Leak[]
  released: number
  endpointsDeleted: number
}

/**
 * Finds and releases leaked addresses (Spiderpool's IP GC rules): one scan, decided by
 * shared/reconcile/leakedIPs. Pools and endpoints are read first, pods after them and from etcd,
 * which is what makes "the pod is not in the list" mean "the pod is gone". Each release goes
 * through the pool writer like a CNI DEL, guarded by IP and pod UID, so an address handed to a new
 * pod between the scan and the release stays where it is, and two scans (a leader a moment late
 * and its successor) never release one record twice: the second finds it gone. The endpoints of
 * released pods go too, and the cluster-wide scan deletes every endpoint whose pod is gone.
 */
export async function collectLeakedIPs(deps: LeakDeps): Promise<LeakOutcome> {
  const { store, poolWriter } = deps
  const log = (deps.log ?? silentLogger).child({ function: 'reconcile-leaks', scope: deps.nodeName ?? 'cluster' })
  const cluster = deps.nodeName === undefined
  const [pools, endpoints] = await Promise.all([store.listPools('latest'), store.listEndpoints()])
  const [pods, nodes] = await Promise.all([store.listPods(deps.nodeName), cluster && deps.nodeDownGraceSeconds !== undefined ? store.listNodes() : undefined])
  const setKeys = new Set(
    endpoints.filter((e) => e.status.ownerControllerType === 'StatefulSet').map((e) => `${e.metadata.namespace}/${e.status.ownerControllerName}`),
  )
  const statefulSets = new Map<string, { name: string; replicas?: number; ordinalsStart?: number }>()
  for (const key of setKeys) {
    const [namespace = '', name = ''] = key.split('/')
    const set = await store.getController('StatefulSet', namespace, name)
    if (set) {
      statefulSets.set(key, {
        name: set.name,
        replicas: set.replicas,
        ordinalsStart: set.ordinalsStart,
      })
    }
  }
  const now = (deps.now?.() ?? new Date()).toISOString()
  const downNodes = nodes && downNodesOf(nodes, pods, now, deps.goneNodes)
  const scan = {
    pools,
    endpoints,
    pods,
    statefulSets,
    now,
    node: deps.nodeName,
    ...(downNodes ? { downNodes, nodeDownGraceSeconds: deps.nodeDownGraceSeconds } : {}),
  }
  const leaks = leakedIPs(scan)
  const outcomes = await Promise.all(leaks.map((l) => poolWriter.release(l.pool, { podUid: l.podUid, ip: l.ip })))
  const released = outcomes.flat()
  // Only what this scan freed: a record another scan or a DEL released first is not told twice.
  for (const [pool, ofPool] of groupBy(
    leaks.filter((_, i) => (outcomes[i] ?? []).length > 0),
    (l) => l.pool,
  ))
    deps.onReleased?.(pool, ofPool)
  // A leaked record condemns its whole incarnation (gone, replaced or finished): so does its
  // endpoint. The cluster-wide scan also finds endpoints whose records went already.
  const leakedUids = new Set(leaks.map((l) => l.podUid))
  const condemned = new Map<SpiderEndpoint, string>()
  for (const endpoint of endpoints.filter((e) => leakedUids.has(e.status.current.uid))) condemned.set(endpoint, 'its addresses leaked')
  if (cluster) for (const { endpoint, reason } of orphanedEndpoints(scan)) condemned.set(endpoint, reason)
  let endpointsDeleted = 0
  for (const endpoint of condemned.keys()) {
    try {
      await store.deleteEndpoint(endpoint)
      endpointsDeleted++
    } catch (e) {
      // Changed since the scan read it (a new incarnation took it over): the next scan decides.
      if (!isStoreConflict(e)) throw e
    }
  }
  if (leaks.length > 0 || endpointsDeleted > 0) {
    log.info('leaked IPs released', {
      released: released.length,
      endpointsDeleted,
      leaks: leaks.slice(0, 20).map((l) => `${l.pool} ${l.ip} ${l.pod}: ${l.reason}`),
    })
  }
  return { leaks, released: released.length, endpointsDeleted }
}

/** Nodes down now: NotReady since their Ready condition changed; deleted since first noticed. */
function downNodesOf(
  nodes: ReadonlyArray<{ name: string; ready: boolean; readySince?: string }>,
  pods: ReadonlyArray<{ nodeName?: string }>,
  now: string,
  gone = new Map<string, string>(),
): Map<string, string> {
  const down = new Map<string, string>()
  for (const node of nodes) if (!node.ready) down.set(node.name, node.readySince ?? now)
  const known = new Set(nodes.map((n) => n.name))
  for (const name of gone.keys()) if (known.has(name)) gone.delete(name)
  for (const pod of pods) {
    if (pod.nodeName === undefined || known.has(pod.nodeName)) continue
    if (!gone.has(pod.nodeName)) gone.set(pod.nodeName, now)
    down.set(pod.nodeName, gone.get(pod.nodeName)!)
  }
  return down
}

const groupBy = <T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>()
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item])
  return groups
}
