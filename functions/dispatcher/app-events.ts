import { LABEL, type SpiderIPPool, type SpiderSubnet } from '../../shared/api/index.ts'
import { AnnotationKey } from '../../shared/annotations/index.ts'
import { appKey, isNativeKind, NATIVE_KINDS, parseApplicationName, type NativeKind } from '../../shared/autopool/index.ts'
import { currentEntries } from '../../shared/reconcile/index.ts'
import type { WatchEventType } from '../../shared/store/store.ts'
import type { WorkloadView } from '../../shared/api/views.ts'

/** The workload kinds whose pods auto pools follow (one watch each). */
export const WORKLOAD_KINDS = Object.keys(NATIVE_KINDS) as NativeKind[]

/** What the dispatcher learns from an application's reconcile: the subnets it waits on, if any. */
export interface AppReconciled {
  /** Subnets whose change may let it go on (it was refused for want of free IPs, or waits). */
  waitsOn?: readonly string[]
}

const namesSubnets = (w: WorkloadView) =>
  w.templateAnnotations[AnnotationKey.subnet] !== undefined || w.templateAnnotations[AnnotationKey.subnets] !== undefined
const isTopLevel = (w: WorkloadView) => !w.ownerReferences.some((r) => r.controller)
// What of a workload its auto pools depend on; status changes (but a DaemonSet's node count) do not wake it.
const shape = (w: WorkloadView) => JSON.stringify([w.uid, w.pods, w.hostNetwork, w.deletionTimestamp ?? '', w.templateAnnotations])

/**
 * Which application keys (`Deployment/ns/name`) watch events concern, for the auto-pool reconcile:
 * a workload that names subnets when it appears, changes what its pools depend on, or goes; an
 * auto pool that changes or goes (its application's label names it); a subnet that changes, for
 * the applications that wait on it. Separate from the pool and subnet keys, so they stay simple.
 */
export function createAppEvents(add: (key: string) => void) {
  /** Workloads that name subnets: key -> shape last seen. */
  const seen = new Map<string, string>()
  /** Pools: name -> what of it the auto-pool reconcile decides on, last seen. */
  const pools = new Map<string, string>()
  /** Applications waiting on a subnet: key -> subnets. */
  const parked = new Map<string, readonly string[]>()

  const onWorkload = (type: WatchEventType, w: WorkloadView) => {
    const key = appKey(w)
    if (!isTopLevel(w)) return
    if (type === 'DELETED') {
      if (seen.delete(key) || namesSubnets(w)) add(key)
      return
    }
    if (!namesSubnets(w) && !seen.has(key)) return
    const now = shape(w)
    if (seen.get(key) === now) return
    if (namesSubnets(w)) seen.set(key, now)
    else seen.delete(key)
    add(key)
  }

  const appOfPool = (pool: SpiderIPPool): string | undefined => {
    const labels = pool.metadata.labels ?? {}
    const kind = labels[LABEL.ownerApplicationKind]
    const namespace = labels[LABEL.ownerApplicationNamespace]
    const name = labels[LABEL.ownerApplicationName]
    return kind && namespace && name && isNativeKind(kind) ? appKey({ kind, namespace, name }) : undefined
  }

  const wakeParked = () => {
    for (const key of parked.keys()) add(key)
  }

  const onPool = (type: WatchEventType, pool: SpiderIPPool) => {
    const name = pool.metadata.name
    const now = JSON.stringify([pool.spec, pool.metadata.labels, pool.metadata.deletionTimestamp ?? ''])
    const changed = type === 'DELETED' || pools.get(name) !== now
    if (type === 'DELETED') pools.delete(name)
    else pools.set(name, now)
    // A pool that gives addresses back (or goes) may make room for an application refused for
    // want of them: the subnet's status need not change for that (a shrink's last step).
    if (changed && parked.size > 0) wakeParked()
    const key = appOfPool(pool)
    // An allocation changes only the status: it matters to an application waiting for addresses to come free.
    if (key !== undefined && (changed || parked.has(key))) add(key)
  }

  const onSubnet = (subnet: SpiderSubnet) => {
    for (const [key, subnets] of parked) if (subnets.includes(subnet.metadata.name)) add(key)
  }

  /** Every application the resync should look at: those named by auto pools, subnet entries and workloads. */
  const keysOf = (poolList: readonly SpiderIPPool[], subnetList: readonly SpiderSubnet[], workloads: readonly WorkloadView[]): Set<string> => {
    const keys = new Set<string>()
    for (const pool of poolList) {
      const key = appOfPool(pool)
      if (key) keys.add(key)
    }
    for (const subnet of subnetList) {
      for (const entry of Object.values(currentEntries(subnet))) {
        const app = entry.application === undefined ? undefined : parseApplicationName(entry.application)
        if (app && isNativeKind(app.kind)) keys.add(appKey(app))
      }
    }
    for (const w of workloads) if (isTopLevel(w) && namesSubnets(w)) keys.add(appKey(w))
    return keys
  }

  const reconciled = (key: string, outcome: AppReconciled | void) => {
    if (outcome?.waitsOn && outcome.waitsOn.length > 0) parked.set(key, outcome.waitsOn)
    else parked.delete(key)
  }

  return { onWorkload, onPool, onSubnet, keysOf, reconciled }
}
