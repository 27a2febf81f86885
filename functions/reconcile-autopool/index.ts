import type { SpiderIPPool } from '../../shared/api/index.ts'
import { appKey, autoPoolIntent, isNativeKind, poolsToReclaim, type AutoPoolApp, type AutoPoolIntent } from '../../shared/autopool/index.ts'
import { isIpamError } from '../../shared/errors.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import type { EventRecorder } from '../lib/event-recorder.ts'
import { controllerRef } from '../../shared/allocate/pod-rules.ts'
import type { Store } from '../../shared/store/store.ts'
import type { WorkloadView } from '../../shared/api/views.ts'
import { applyWant, type WantOutcome } from './apply-want.ts'
import { dropStaleReservations } from './drop-stale-reservations.ts'

export interface AutoPoolDeps {
  store: Store
  log?: Logger
  /** Spare addresses when a template sets no ippool-ip-number (Spiderpool's clusterSubnetDefaultFlexibleIPNumber). Default 1. */
  defaultFlexible?: number
  /** The refusal last recorded as an Event per application, so a refusal is told once, not every reconcile. */
  told?: Map<string, string>
  /** Where refusals go as Events on the application (the service's one recorder). */
  events?: Pick<EventRecorder, 'record'>
}

/** What a reconcile of one application did. */
export type AutoPoolOutcome =
  /** Not an application whose pools Spinneret follows: an unknown kind, one owned by another controller, a hostNetwork one, or one without subnet annotations. */
  | { result: 'ignored'; why: string }
  | { result: 'settled'; pools: string[]; reclaimed: string[] }
  /** Waiting for addresses in use to be given back, or for a pool to finish its deletion. */
  | { result: 'waiting'; subnets: string[]; why: string[]; reclaimed: string[] }
  | { result: 'refused'; subnets: string[]; why: string[]; reclaimed: string[] }
  /** The application is gone: its reclaimed pools are being deleted, kept ones stay. */
  | { result: 'gone'; reclaimed: string[] }

export interface AppKey {
  kind: string
  namespace: string
  name: string
}

/**
 * Keeps the auto pools of one application (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or
 * CronJob without a controller of its own) as its pod template asks: one per NIC and family named
 * in `ipam.spidernet.io/subnet(s)`, sized by `ippool-ip-number`, grown and shrunk with it. Pools of
 * an application that is gone, or of an earlier incarnation of its name, are deleted unless they
 * are kept (`ippool-reclaim: "false"`); reservations in subnets that no pool will ever take are
 * dropped. Every write is conditional (see shared/autopool planAutoPool).
 *
 * @example await reconcile({ kind: 'Deployment', namespace: 'default', name: 'web' }, { store, log })
 */
export async function reconcile(key: AppKey, deps: AutoPoolDeps): Promise<AutoPoolOutcome> {
  const log = (deps.log ?? silentLogger).child({ function: 'reconcile-autopool', app: appKey(key) })
  if (!isNativeKind(key.kind)) return { result: 'ignored', why: `${key.kind} is not a kind whose replicas Spinneret reads` }
  const workload = await deps.store.getWorkload(key.kind, key.namespace, key.name, 'latest')
  const live = workload && workload.deletionTimestamp === undefined ? workload : undefined
  if (live && controllerRef(live.ownerReferences)) return { result: 'ignored', why: 'its controller is the application' }
  const app: AutoPoolApp | undefined = live && { apiVersion: live.apiVersion, kind: live.kind, namespace: live.namespace, name: live.name, uid: live.uid }
  const ref = { apiVersion: workload?.apiVersion ?? apiVersionOf(key.kind), ...key }

  const pools = await deps.store.listPools('latest')
  const reclaimed = await reclaim(deps.store, log, poolsToReclaim(pools, ref, app))

  if (!app || !live) {
    await dropStaleReservations(deps.store, log, ref)
    return { result: 'gone', reclaimed }
  }
  if (live.hostNetwork) return { result: 'ignored', why: 'its pods use the host network' }
  let intent: AutoPoolIntent | undefined
  try {
    intent = autoPoolIntent(live.templateAnnotations, { pods: live.pods, defaultFlexible: deps.defaultFlexible ?? 1 })
  } catch (e) {
    if (!isIpamError(e) || e.code !== 'invalid-annotation') throw e
    await tell(deps, log, live, 'InvalidAnnotation', e.message)
    return { result: 'refused', subnets: [], why: [e.message], reclaimed }
  }
  if (!intent) return { result: 'ignored', why: 'its pod template names no SpiderSubnet' }

  const outcomes = await applyIntent(deps.store, log, app, intent)
  await dropStaleReservations(deps.store, log, ref, app, intent)
  const refused = outcomes.filter((o) => o.outcome.kind === 'refuse')
  const waiting = outcomes.filter((o) => o.outcome.kind === 'wait')
  const subnets = (list: typeof outcomes) => [...new Set(list.map((o) => o.subnet))]
  const whys = (list: typeof outcomes) => list.map((o) => (o.outcome as { why: string }).why)
  if (refused.length > 0) {
    const first = refused[0]?.outcome as Extract<WantOutcome, { kind: 'refuse' }>
    await tell(deps, log, live, first.reason, whys(refused).join('; '))
    return { result: 'refused', subnets: subnets(refused), why: whys(refused), reclaimed }
  }
  deps.told?.delete(appKey(live))
  if (waiting.length > 0) return { result: 'waiting', subnets: subnets(waiting), why: whys(waiting), reclaimed }
  return { result: 'settled', pools: outcomes.map((o) => (o.outcome as { pool: SpiderIPPool }).pool.metadata.name), reclaimed }
}

/** Every pool the intent asks for, one after the other (a NIC's two families draw from two subnets). */
export async function applyIntent(store: Store, log: Logger, app: AutoPoolApp, intent: AutoPoolIntent) {
  const outcomes: Array<{ subnet: string; outcome: WantOutcome }> = []
  for (const want of intent.wants) outcomes.push({ subnet: want.subnet, outcome: await applyWant(store, log, app, want, intent) })
  return outcomes
}

async function reclaim(store: Store, log: Logger, pools: readonly SpiderIPPool[]): Promise<string[]> {
  for (const pool of pools) {
    await store.deletePool(pool)
    log.info('auto pool deleted with its application', { pool: pool.metadata.name, uid: pool.metadata.uid })
  }
  return pools.map((p) => p.metadata.name)
}

// Told once per refusal: a reconcile runs at every change of the application and its subnet.
async function tell(deps: AutoPoolDeps, log: Logger, app: WorkloadView, reason: string, message: string): Promise<void> {
  log.warn('auto pool refused', { reason, why: message })
  const key = appKey(app)
  if (deps.told?.get(key) === message) return
  deps.told?.set(key, message)
  deps.events?.record(
    { apiVersion: app.apiVersion, kind: app.kind, namespace: app.namespace, name: app.name, uid: app.uid },
    { type: 'Warning', reason, message },
  )
}

const apiVersionOf = (kind: string): string => (kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1')
