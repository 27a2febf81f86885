import { parseAllocatedIPs, type SpiderIPPool } from '../../shared/api/index.ts'
import { AnnotationKey, parseTemplateSubnets } from '../../shared/annotations/index.ts'
import { availableRanges, reservedRanges } from '../../shared/allocate/pool-ranges.ts'
import { autoPoolIntent, findAutoPool, isNativeApp, planAutoPool, type AutoPoolApp, type AutoPoolWant } from '../../shared/autopool/index.ts'
import { IpamError } from '../../shared/errors.ts'
import { countIps } from '../../shared/ip/index.ts'
import { silentLogger } from '../../shared/log.ts'
import type { NicCandidates, SubnetCandidates } from '../../shared/select/index.ts'
import { applyIntent } from '../reconcile-autopool/index.ts'
import type { Deps } from '../lib/deps.ts'
import type { PodContext } from '../lib/pod-context.ts'

const POLL_MS = 250

/**
 * Tier 1 (`ipam.spidernet.io/subnet(s)`): the pods's application's auto pools for the NIC being
 * set up, one per family, as candidates. For a Deployment, StatefulSet and the other core kinds
 * the pools are the dispatcher's to make (reconcile-autopool follows the application); when they
 * are not there yet, or have no free address yet (the application just grew), the ADD waits for
 * them a moment and then answers "try again" (CNI code 11: the runtime retries). It never falls
 * back to another pool. A third-party controller's pool is made here, as Spiderpool makes it,
 * with a fixed size. A subnet that does not exist or cannot hold the pool is refused at once.
 */
export async function autoPoolCandidates(deps: Deps, ctx: PodContext, candidates: SubnetCandidates): Promise<{ nic: NicCandidates; pools: SpiderIPPool[] }> {
  const options = deps.config.autoPools || { defaultFlexible: 1 }
  const { pod } = ctx
  if (ctx.app.apiVersion === 'v1' && ctx.app.kind === 'Pod') {
    // Spiderpool's words: a pool that follows an application needs one.
    throw new IpamError(
      'no-pool',
      `SpiderSubnet feature doesn't support no-controller pod ${pod.namespace}/${pod.name}: name SpiderIPPools in ipam.spidernet.io/ippool(s) instead`,
    )
  }
  const app: AutoPoolApp = { ...ctx.app, uid: ctx.app.uid ?? '' }
  const wants = wantsOf(pod.annotations, candidates)
  if (!isNativeApp(app)) {
    // Third-party controller: its replicas are unknown, so the template must fix the size.
    const intent = autoPoolIntent(pod.annotations, { pods: undefined, defaultFlexible: options.defaultFlexible })
    if (intent) {
      const outcomes = await applyIntent(deps.store, silentLogger, app, { ...intent, wants })
      const refused = outcomes.find((o) => o.outcome.kind === 'refuse')
      if (refused) throw refusal(refused.outcome as { reason: string; why: string })
    }
  }
  const deadline = Date.now() + (options.waitMs ?? 3000)
  const pools: SpiderIPPool[] = []
  for (const want of wants) pools.push(await waitForPool(deps, ctx, app, want, deadline))
  const named = (family: 4 | 6) => pools.filter((_, i) => wants[i]?.family === family).map((p) => p.metadata.name)
  const ipv4 = named(4)
  const ipv6 = named(6)
  return {
    nic: { nic: candidates.nic, cleanGateway: candidates.cleanGateway, ...(ipv4.length > 0 ? { ipv4 } : {}), ...(ipv6.length > 0 ? { ipv6 } : {}) },
    pools,
  }
}

/** The pools the template's subnet annotations ask for on this NIC. */
function wantsOf(annotations: Readonly<Record<string, string>>, candidates: SubnetCandidates): AutoPoolWant[] {
  const nics = parseTemplateSubnets(annotations) ?? []
  const mine = nics.find((n) => n.nic === candidates.nic)
  if (!mine) {
    const served = nics.map((n) => n.nic).join(', ')
    throw new IpamError(
      'no-pool',
      `no auto pool is made for NIC ${candidates.nic}: ${annotations[AnnotationKey.subnets] !== undefined ? AnnotationKey.subnets : AnnotationKey.subnet} serves ${served} (name the NIC in its interface field)`,
    )
  }
  return [
    ...(mine.ipv4 === undefined ? [] : [{ nic: mine.nic, family: 4 as const, subnet: mine.ipv4 }]),
    ...(mine.ipv6 === undefined ? [] : [{ nic: mine.nic, family: 6 as const, subnet: mine.ipv6 }]),
  ]
}

/**
 * The application's pool for this NIC and family once it exists and can serve the pod (it has a
 * free address, or already holds one for the pod: a retried ADD, a StatefulSet pod's previous
 * incarnation). Before the deadline it polls the watch cache; then it says why it cannot serve.
 */
async function waitForPool(deps: Deps, ctx: PodContext, app: AutoPoolApp, want: AutoPoolWant, deadline: number): Promise<SpiderIPPool> {
  let diagnosed = false
  for (let round = 0; ; round++) {
    // The first look and the last are in etcd: the cache may not have seen a pool made a moment ago.
    const last = Date.now() >= deadline
    const pools = await deps.store.listPools(round === 0 || last ? 'latest' : 'cached')
    const pool = findAutoPool(pools, app, want)
    if (pool && pool.metadata.deletionTimestamp === undefined && canServe(pool, ctx)) return pool
    if (!pool && !diagnosed) {
      diagnosed = true
      await refuseIfItCannotBe(deps, app, want, pools)
    }
    if (last) {
      const subject = `the IPv${want.family} auto pool of ${app.kind} ${app.namespace}/${app.name} for ${want.nic} (SpiderSubnet ${want.subnet})`
      const why = !pool
        ? `${subject} does not exist yet`
        : pool.metadata.deletionTimestamp !== undefined
          ? `${subject}, ${pool.metadata.name}, is being deleted`
          : `${subject}, ${pool.metadata.name}, has no free IP yet: it grows with its application`
      throw new IpamError('try-again', `${why}; try again`)
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))))
  }
}

const canServe = (pool: SpiderIPPool, ctx: PodContext): boolean => {
  const records = parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)
  const podName = `${ctx.pod.namespace}/${ctx.pod.name}`
  if (Object.values(records).some((r) => r.pod === podName)) return true
  return countIps(availableRanges(pool, [])) > BigInt(Object.keys(records).length)
}

/** A subnet that does not exist, or that cannot hold the pool the application asks for: no waiting helps. */
async function refuseIfItCannotBe(deps: Deps, app: AutoPoolApp, want: AutoPoolWant, pools: readonly SpiderIPPool[]): Promise<void> {
  const subnet = await deps.store.getSubnet(want.subnet)
  if (subnet === undefined) {
    throw new IpamError(
      'no-pool',
      `SpiderSubnet ${want.subnet} does not exist: ${app.kind} ${app.namespace}/${app.name} names it for the IPv${want.family} auto pool of ${want.nic}`,
    )
  }
  if (!isNativeApp(app)) return
  const workload = await deps.store.getWorkload(app.kind, app.namespace, app.name, 'cached')
  if (!workload) return
  const options = deps.config.autoPools || { defaultFlexible: 1 }
  const intent = autoPoolIntent(workload.templateAnnotations, { pods: workload.pods, defaultFlexible: options.defaultFlexible })
  if (!intent) return
  const step = planAutoPool({ app, want, intent, subnet, pool: undefined, pools, reserved: reservedRanges(await deps.store.listReservedIPs()) })
  if (step.kind === 'refuse') throw refusal(step)
}

const refusal = (step: { reason: string; why: string }): IpamError => new IpamError(step.reason === 'InsufficientIPs' ? 'ip-used-out' : 'no-pool', step.why)
