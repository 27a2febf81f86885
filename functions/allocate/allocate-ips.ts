import { ANNOTATION, type IPAllocationDetail, type SpiderEndpoint, type SpiderIPPool, type SpiderReservedIP } from '../../shared/api/index.ts'
import { isUnclaimedNic, multusNetworkOf, parseRoutesAnnotation, unclaimedPosition } from '../../shared/annotations/index.ts'
import { nextEndpoint } from '../../shared/allocate/endpoint-record.ts'
import { ipamResponse, type IpamResponse } from '../../shared/allocate/ipam-response.ts'
import { annotationRoutesByNic, nicDetail, type AssignedIP } from '../../shared/allocate/nic-detail.ts'
import { keepsStatefulSetIPs } from '../../shared/allocate/pod-rules.ts'
import { IpamError } from '../../shared/errors.ts'
import {
  allFilteredOut,
  filterCandidates,
  missingPool,
  poolViewOf,
  poolsNamedByPod,
  poolsToRead,
  selectCandidates,
  type FilteredNic,
  type Rejection,
} from '../../shared/select/index.ts'
import { retryOnConflict } from '../../shared/store/retry-on-conflict.ts'
import type { Deps } from '../lib/deps.ts'
import { newTrace, type RequestTrace } from '../lib/request-trace.ts'
import { readLivePod, readPodSurroundings, type PodContext } from '../lib/pod-context.ts'
import type { AllocateRequest } from '../../shared/api/ipam/allocate-request.ts'
import { autoPoolCandidates } from './auto-pool-candidates.ts'
import { answerByCallOrder } from './call-order.ts'
import { endpointFacts } from './endpoint-facts.ts'

type Family = 4 | 6
interface Taken extends AssignedIP {
  nic: string
  fresh: boolean
}

/**
 * POST /v1/ipam/ip: read every fact, decide in shared/, write pool status (through the pool
 * writer) and then the SpiderEndpoint. A retried ADD for the same pod UID and NIC gets the
 * addresses its records already hold and writes nothing. When any family or NIC fails, the
 * addresses this call took are released again, so a partial success never leaks.
 */
export async function allocateIPs(request: AllocateRequest, deps: Deps, trace: RequestTrace = newTrace()): Promise<IpamResponse> {
  if (request.matchMasterSubnet) {
    // Spiderpool keeps only pools whose subnet is on the host's physical function of an SR-IOV
    // VF, read inside the pod's netns. Ignoring the flag could hand out an address the VF cannot
    // reach; refusing says so before anything is written.
    throw new IpamError(
      'invalid-request',
      "match_master_subnet is not supported: Spinneret does not filter pools by the subnet of an SR-IOV VF's physical function; remove it from the IPAM config",
    )
  }
  const pod = await readLivePod(deps.store, { namespace: request.podNamespace, name: request.podName, uid: request.podUID })
  // When the pod's annotations name its pools, they are read alongside node and namespace.
  const named = poolsNamedByPod(pod.annotations, request.ifName)
  const [ctx, early, reservedIPs] = await Promise.all([
    readPodSurroundings(deps.store, pod),
    named === undefined ? undefined : readCandidatePools(deps, named),
    deps.store.listReservedIPs(),
  ])
  const byCallOrder = await answerByCallOrder(deps, ctx, request)
  if (byCallOrder && 'answer' in byCallOrder) return traced(trace, byCallOrder.answer)
  if (byCallOrder?.endpoint) ctx.endpoint = byCallOrder.endpoint
  // Only a StatefulSet pod's endpoint was read (and one with unnamed ippools entries); when it
  // is this pod's, it answers a retried ADD.
  const held = ctx.endpoint?.status.current.uid === ctx.pod.uid ? ctx.endpoint.status.current.ips : []
  if (held.some((d) => d.interface === request.ifName)) return traced(trace, ipamResponse(held))

  const selection = {
    nic: request.ifName,
    podAnnotations: ctx.pod.annotations,
    namespaceAnnotations: ctx.namespace.annotations,
    ...(request.defaultIPv4IPPool ? { cniDefaultIPv4IPPool: request.defaultIPv4IPPool } : {}),
    ...(request.defaultIPv6IPPool ? { cniDefaultIPv6IPPool: request.defaultIPv6IPPool } : {}),
    cleanGateway: request.cleanGateway,
    autoPools: deps.config.autoPools !== false,
  }
  const read = early ?? (await readCandidatePools(deps, poolsToRead(selection)))
  const selected = selectCandidates({ ...selection, pools: read.map(poolViewOf) })
  // Tier 1 names subnets: the candidates are the application's auto pools, once they exist.
  const auto = selected.tier === 'subnet' ? await autoPoolCandidates(deps, ctx, selected) : undefined
  const candidates = auto ? { nics: [auto.nic] } : (selected as Exclude<typeof selected, { tier: 'subnet' }>)
  const pools = auto ? auto.pools : read
  const views = pools.map(poolViewOf)
  const filterContext = {
    pod: { namespace: ctx.pod.namespace, name: ctx.pod.name, labels: ctx.pod.labels, app: ctx.app },
    node: { name: ctx.node.name, labels: ctx.node.labels },
    namespaceLabels: ctx.namespace.labels,
    multusNamespace: deps.config.systemNamespace,
    multusNetworkOf: (nic: string) =>
      multusNetworkOf(ctx.pod.annotations, nic, { podNamespace: ctx.pod.namespace, systemNamespace: deps.config.systemNamespace }),
  }
  const heldNics = new Set(held.map((d) => d.interface))
  const pending = candidates.nics.filter((n) => !heldNics.has(n.nic))
  // Every NIC's candidates must exist before any NIC is filtered, as in Spiderpool's precheck.
  for (const n of pending) {
    const missing = missingPool(n, views)
    if (missing) throw missing
  }
  const nics = pending.map((n) => filterCandidates(n, views, filterContext))
  const routesAnnotation = ctx.pod.annotations[ANNOTATION.routes]
  const annotationRoutes = routesAnnotation ? parseRoutesAnnotation(routesAnnotation) : []

  const taken: Taken[] = []
  const seen = { pools, reservedIPs, endpoint: endpointReader(deps, ctx) }
  try {
    const assigned: { nic: FilteredNic; v4?: Taken; v6?: Taken }[] = []
    for (const nic of nics) {
      // Both families run to the end before a refusal counts: a roll-back must see what each took.
      const [v4, v6] = await bothFamilies(takeFamily(deps, ctx, nic, 4, taken, seen, trace), takeFamily(deps, ctx, nic, 6, taken, seen, trace))
      assigned.push({ nic, ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}) })
    }
    const routes = annotationRoutesByNic(
      assigned.map((a) => ({ nic: a.nic.nic, pools: [a.v4?.pool, a.v6?.pool].filter((p): p is SpiderIPPool => p !== undefined) })),
      annotationRoutes,
    )
    // A NIC the endpoint records with these addresses (a retried ADD, the next sandbox of a pod
    // that lives on) is answered as recorded, as Spiderpool answers it from the endpoint: a
    // pool's gateway or routes changed since then apply to new pods only.
    const recorded = taken.some((t) => !t.fresh) ? recordedEntries(await seen.endpoint(), ctx.pod.uid) : []
    const details: IPAllocationDetail[] = assigned.map(
      ({ nic, v4, v6 }) =>
        recorded.find((d) => d.interface === nic.nic && holds(d, v4, v6)) ??
        nicDetail(nic.nic, { ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}) }, nic.cleanGateway, routes.get(nic.nic) ?? []),
    )
    const endpoint = await recordEndpoint(deps, ctx, request, details)
    return traced(trace, ipamResponse(endpoint.status.current.ips))
  } catch (e) {
    trace.rollbackFailures += await rollBack(deps, ctx, taken)
    throw e
  }
}

/**
 * Both families' outcomes, or the first failure once neither is still running. Promise.all would
 * reject at the first failure while the other family may still be taking an address, which the
 * roll-back would then miss: a refused ADD that keeps an address.
 */
async function bothFamilies<T>(v4: Promise<T>, v6: Promise<T>): Promise<[T, T]> {
  const [a, b] = await Promise.allSettled([v4, v6])
  if (a.status === 'rejected') throw a.reason
  if (b.status === 'rejected') throw b.reason
  return [a.value, b.value]
}

// Named pools are read one by one (a cluster's pool count does not matter); wildcards and the
// cluster defaults need the whole list.
async function readCandidatePools(deps: Deps, wanted: readonly string[] | 'all'): Promise<SpiderIPPool[]> {
  // 'cached': these reads only choose; the pool writer's conditional write checks the decision.
  // A named pool the cache has not seen yet (created a moment ago) is read again from etcd.
  if (wanted === 'all') return deps.store.listPools('cached')
  const pools = await Promise.all(wanted.map(async (name) => (await deps.store.getPool(name, 'cached')) ?? deps.store.getPool(name, 'latest')))
  return pools.filter((pool): pool is SpiderIPPool => pool !== undefined)
}

const recordedEntries = (endpoint: SpiderEndpoint | undefined, uid: string): IPAllocationDetail[] =>
  endpoint?.status.current.uid === uid ? endpoint.status.current.ips : []

const addressOf = (cidr: string | undefined): string | undefined => cidr?.split('/')[0]
const holds = (d: IPAllocationDetail, v4: Taken | undefined, v6: Taken | undefined): boolean => addressOf(d.ipv4) === v4?.ip && addressOf(d.ipv6) === v6?.ip

// The pod's endpoint, read once and only when a pool's records leave open which NIC holds what.
function endpointReader(deps: Deps, ctx: PodContext): () => Promise<SpiderEndpoint | undefined> {
  let read: Promise<SpiderEndpoint | undefined> | undefined
  return () => (read ??= deps.store.getEndpoint(ctx.pod.namespace, ctx.pod.name))
}

// What the pod's other NICs hold: this call's takes and, once read, its endpoint's entries.
function othersOf(ctx: PodContext, nic: string, taken: readonly Taken[], endpoint: SpiderEndpoint | undefined): string[] {
  const recorded = endpoint?.status.current.uid === ctx.pod.uid ? endpoint.status.current.ips : []
  return [
    ...taken.filter((t) => t.nic !== nic).map((t) => t.ip),
    ...recorded.filter((d) => d.interface !== nic).flatMap((d) => [d.ipv4, d.ipv6].flatMap((cidr) => (cidr ? [cidr.split('/')[0] ?? ''] : []))),
  ]
}

// Tries the NIC's pools of one family in the user's order; the first with a free address wins.
async function takeFamily(
  deps: Deps,
  ctx: PodContext,
  nic: FilteredNic,
  family: Family,
  taken: Taken[],
  seen: { pools: readonly SpiderIPPool[]; reservedIPs: SpiderReservedIP[]; endpoint: () => Promise<SpiderEndpoint | undefined> },
  trace: RequestTrace,
): Promise<Taken | undefined> {
  const names = family === 4 ? nic.ipv4 : nic.ipv6
  if (!names) return undefined
  const previous = previousAddresses(ctx, nic.nic, family)
  const unavailable: Rejection[] = []
  for (const name of names) {
    const request = {
      pod: `${ctx.pod.namespace}/${ctx.pod.name}`,
      podUid: ctx.pod.uid,
      nic: nic.nic,
      ...(previous?.pool === name ? { previous: { ip: previous.ip, podUid: previous.podUid } } : {}),
    }
    const pool = seen.pools.find((p) => p.metadata.name === name)
    const hint = { ...(pool ? { pool } : {}), reservedIPs: seen.reservedIPs }
    let assignment = await deps.poolWriter.assign(name, request, hint)
    if (!assignment.ok && assignment.reason === 'unknown-owner') {
      // The pool holds an address of this pod already (a retried ADD, or another NIC's).
      const others = othersOf(ctx, nic.nic, taken, await seen.endpoint())
      assignment = await deps.poolWriter.assign(name, { ...request, others }, hint)
    }
    if (assignment.ok) {
      const got = { ip: assignment.ip, pool: assignment.pool, nic: nic.nic, fresh: assignment.how === 'fresh' }
      taken.push(got)
      trace.pools.push(`${name}: ${got.fresh ? 'assigned' : 'held'} ${got.ip}`)
      return got
    }
    trace.pools.push(`${name}: ${assignment.reason === 'unavailable' ? assignment.why : 'all IP addresses used out'}`)
    if (assignment.reason === 'unavailable') unavailable.push({ pool: name, reason: assignment.why })
  }
  if (unavailable.length === names.length) throw allFilteredOut(family, names, nic.nic, unavailable)
  throw new IpamError('ip-used-out', `failed to allocate IPv${family} IP to ${nic.nic} from IPPools [${names.join(' ')}]: all IP addresses used out`)
}

// A StatefulSet pod whose ordinal is still wanted gets back what its predecessor held.
function previousAddresses(ctx: PodContext, nic: string, family: Family) {
  const endpoint = ctx.endpoint
  if (!endpoint || endpoint.status.current.uid === ctx.pod.uid) return undefined
  const set = ctx.statefulSet
  if (!set || !keepsStatefulSetIPs(ctx.pod.name, set)) return undefined
  // An unclaimed ippools entry stands where its predecessor's was: entries keep their order.
  const ips = endpoint.status.current.ips
  const detail = isUnclaimedNic(nic) ? ips[unclaimedPosition(nic)] : ips.find((d) => d.interface === nic)
  const cidr = family === 4 ? detail?.ipv4 : detail?.ipv6
  const pool = family === 4 ? detail?.ipv4Pool : detail?.ipv6Pool
  if (!cidr || !pool) return undefined
  return { ip: cidr.split('/')[0] ?? '', pool, podUid: endpoint.status.current.uid }
}

async function recordEndpoint(deps: Deps, ctx: PodContext, request: AllocateRequest, details: IPAllocationDetail[]): Promise<SpiderEndpoint> {
  const { pod } = ctx
  const facts = endpointFacts(ctx, request)
  // The first try decides on what was read with the pod (for most pods: nothing, so a create);
  // a conflict re-reads the endpoint and decides again.
  let first = true
  return retryOnConflict(`record SpiderEndpoint ${pod.namespace}/${pod.name}`, async () => {
    const existing = first ? ctx.endpoint : await deps.store.getEndpoint(pod.namespace, pod.name)
    first = false
    const next = nextEndpoint(existing, facts, details)
    // Nothing to write happens only for an endpoint that exists and already says it all.
    if (!next) return existing!
    return existing ? deps.store.replaceEndpoint(next) : deps.store.createEndpoint(next)
  })
}

/** @returns how many addresses could not be given back (the leak scans collect them later) */
async function rollBack(deps: Deps, ctx: PodContext, taken: readonly Taken[]): Promise<number> {
  const outcomes = await Promise.allSettled(
    taken.filter((t) => t.fresh).map((t) => deps.poolWriter.release(t.pool.metadata.name, { podUid: ctx.pod.uid, ip: t.ip })),
  )
  return outcomes.filter((o) => o.status === 'rejected').length
}

const traced = (trace: RequestTrace, answer: IpamResponse): IpamResponse => {
  trace.ips.push(...answer.ips.map((ip) => `${ip.nic} ${ip.address}`))
  return answer
}
