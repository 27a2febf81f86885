import { leakedIPs, type Leak } from '../../shared/reconcile/index.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { isStoreConflict, type Store } from '../../shared/store/store.ts'
import type { PoolWriter } from '../lib/pool-writer.ts'

export interface LeakDeps {
  store: Store
  poolWriter: PoolWriter
  log?: Logger
  now?: () => Date
  /** Scan this node only (see LeakScan.node): what a per-node service does. */
  nodeName?: string
}

export interface LeakOutcome {
  /** The records found leaked; each was released unless its IP had been re-taken meanwhile. */
  leaks: Leak[]
  released: number
  endpointsDeleted: number
}

/**
 * Finds and releases leaked addresses (spiderpool-compat.md, "Leaked IPs"): one scan, decided by
 * shared/reconcile/leakedIPs. Pools and endpoints are read first, pods after them and from etcd,
 * which is what makes "the pod is not in the list" mean "the pod is gone". Each release goes
 * through the pool writer like a CNI DEL, guarded by IP and pod UID, so an address handed to a new
 * pod between the scan and the release stays where it is. The endpoints of released pods go too.
 */
export async function collectLeakedIPs(deps: LeakDeps): Promise<LeakOutcome> {
  const { store, poolWriter } = deps
  const log = (deps.log ?? silentLogger).child({ function: 'reconcile-leaks' })
  const [pools, endpoints] = await Promise.all([store.listPools('latest'), store.listEndpoints()])
  const pods = await store.listPods(deps.nodeName)
  const setKeys = new Set(
    endpoints
      .filter((e) => e.status.ownerControllerType === 'StatefulSet')
      .map((e) => `${e.metadata.namespace}/${e.status.ownerControllerName}`),
  )
  const statefulSets = new Map<string, { name: string; replicas?: number; ordinalsStart?: number }>()
  for (const key of setKeys) {
    const [namespace = '', name = ''] = key.split('/')
    const set = await store.getController('StatefulSet', namespace, name)
    if (set) {
      statefulSets.set(key, {
        name: set.name,
        ...(set.replicas === undefined ? {} : { replicas: set.replicas }),
        ...(set.ordinalsStart === undefined ? {} : { ordinalsStart: set.ordinalsStart }),
      })
    }
  }
  const now = (deps.now?.() ?? new Date()).toISOString()
  const leaks = leakedIPs({ pools, endpoints, pods, statefulSets, now, ...(deps.nodeName === undefined ? {} : { node: deps.nodeName }) })
  if (leaks.length === 0) return { leaks, released: 0, endpointsDeleted: 0 }

  const released = (await Promise.all(leaks.map((l) => poolWriter.release(l.pool, { podUid: l.podUid, ip: l.ip })))).flat()
  // A leaked record condemns its whole incarnation (gone, replaced or finished): so does its endpoint.
  const leakedUids = new Set(leaks.map((l) => l.podUid))
  let endpointsDeleted = 0
  for (const endpoint of endpoints.filter((e) => leakedUids.has(e.status.current.uid))) {
    try {
      await store.deleteEndpoint(endpoint)
      endpointsDeleted++
    } catch (e) {
      // Changed since the scan read it (a new incarnation took it over): the next scan decides.
      if (!isStoreConflict(e)) throw e
    }
  }
  log.info('leaked IPs released', {
    released: released.length,
    endpointsDeleted,
    leaks: leaks.slice(0, 20).map((l) => `${l.pool} ${l.ip} ${l.pod}: ${l.reason}`),
  })
  return { leaks, released: released.length, endpointsDeleted }
}
