import { ANNOTATION, type IPAllocationDetail, type SpiderEndpoint, type SpiderIPPool, type SpiderReservedIP } from '../../shared/api/index.ts'
import { multusNetworkOf, parseRoutesAnnotation } from '../../shared/annotations/index.ts'
import { nextEndpoint } from '../../shared/allocate/endpoint-record.ts'
import { ipamResponse, type IpamResponse } from '../../shared/allocate/ipam-response.ts'
import { nicDetail, type AssignedIP } from '../../shared/allocate/nic-detail.ts'
import { keepsStatefulSetIPs } from '../../shared/allocate/pod-rules.ts'
import { IpamError } from '../../shared/errors.ts'
import {
  allFilteredOut,
  filterCandidates,
  poolViewOf,
  poolsNamedByPod,
  poolsToRead,
  selectCandidates,
  type FilteredNic,
  type Rejection,
} from '../../shared/select/index.ts'
import { retryOnConflict } from '../../shared/store/retry-on-conflict.ts'
import type { Deps } from '../lib/deps.ts'
import { readLivePod, readPodSurroundings, type PodContext } from '../lib/pod-context.ts'
import type { AllocateRequest } from './allocate-request.ts'

type Family = 4 | 6
interface Taken extends AssignedIP {
  fresh: boolean
}

/**
 * POST /v1/ipam/ip: read every fact, decide in shared/, write pool status (through the pool
 * writer) and then the SpiderEndpoint. A retried ADD for the same pod UID and NIC gets the
 * addresses its records already hold and writes nothing. When any family or NIC fails, the
 * addresses this call took are released again, so a partial success never leaks.
 */
export async function allocateIPs(request: AllocateRequest, deps: Deps): Promise<IpamResponse> {
  const pod = await readLivePod(deps.store, { namespace: request.podNamespace, name: request.podName, uid: request.podUID })
  // When the pod's annotations name its pools, they are read alongside node and namespace.
  const named = poolsNamedByPod(pod.annotations, request.ifName)
  const [ctx, early, reservedIPs] = await Promise.all([
    readPodSurroundings(deps.store, pod),
    named === undefined ? undefined : readCandidatePools(deps, named),
    deps.store.listReservedIPs(),
  ])
  // Only a StatefulSet pod's endpoint was read; when it is this pod's, it answers a retried ADD.
  const held = ctx.endpoint?.status.current.uid === ctx.pod.uid ? ctx.endpoint.status.current.ips : []
  if (held.some((d) => d.interface === request.ifName)) return ipamResponse(held)

  const selection = {
    nic: request.ifName,
    podAnnotations: ctx.pod.annotations,
    namespaceAnnotations: ctx.namespace.annotations,
    ...(request.defaultIPv4IPPool ? { cniDefaultIPv4IPPool: request.defaultIPv4IPPool } : {}),
    ...(request.defaultIPv6IPPool ? { cniDefaultIPv6IPPool: request.defaultIPv6IPPool } : {}),
    ...(request.cleanGateway !== undefined ? { cleanGateway: request.cleanGateway } : {}),
    autoPools: false,
  }
  const pools = early ?? (await readCandidatePools(deps, poolsToRead(selection)))
  const views = pools.map(poolViewOf)
  const candidates = selectCandidates({ ...selection, pools: views })
  if (candidates.tier === 'subnet') {
    throw new IpamError('no-pool', 'auto pools from a SpiderSubnet are not supported yet: name SpiderIPPools instead')
  }
  const filterContext = {
    pod: { namespace: ctx.pod.namespace, name: ctx.pod.name, labels: ctx.pod.labels, app: ctx.app },
    node: { name: ctx.node.name, labels: ctx.node.labels },
    namespaceLabels: ctx.namespace.labels,
    multusNamespace: deps.config.systemNamespace,
    multusNetworkOf: (nic: string) =>
      multusNetworkOf(ctx.pod.annotations, nic, { podNamespace: ctx.pod.namespace, systemNamespace: deps.config.systemNamespace }),
  }
  const heldNics = new Set(held.map((d) => d.interface))
  const nics = candidates.nics
    .filter((n) => !heldNics.has(n.nic))
    .map((n) => filterCandidates(n, views, filterContext))
  const routesAnnotation = ctx.pod.annotations[ANNOTATION.routes]
  const annotationRoutes = routesAnnotation ? parseRoutesAnnotation(routesAnnotation) : []

  const taken: Taken[] = []
  try {
    const details: IPAllocationDetail[] = []
    for (const nic of nics) {
      const [v4, v6] = await bothFamilies(
        takeFamily(deps, ctx, nic, 4, taken, { pools, reservedIPs }),
        takeFamily(deps, ctx, nic, 6, taken, { pools, reservedIPs }),
      )
      details.push(nicDetail(nic.nic, { ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}) }, nic.cleanGateway, annotationRoutes))
    }
    const endpoint = await recordEndpoint(deps, ctx, request, details)
    return ipamResponse(endpoint.status.current.ips)
  } catch (e) {
    await rollBack(deps, ctx, taken)
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
  const pools = await Promise.all(
    wanted.map(async (name) => (await deps.store.getPool(name, 'cached')) ?? deps.store.getPool(name, 'latest')),
  )
  return pools.filter((pool): pool is SpiderIPPool => pool !== undefined)
}

// Tries the NIC's pools of one family in the user's order; the first with a free address wins.
async function takeFamily(
  deps: Deps,
  ctx: PodContext,
  nic: FilteredNic,
  family: Family,
  taken: Taken[],
  seen: { pools: readonly SpiderIPPool[]; reservedIPs: SpiderReservedIP[] },
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
    const assignment = await deps.poolWriter.assign(name, request, { ...(pool ? { pool } : {}), reservedIPs: seen.reservedIPs })
    if (assignment.ok) {
      const got = { ip: assignment.ip, pool: assignment.pool, fresh: assignment.how === 'fresh' }
      taken.push(got)
      return got
    }
    if (assignment.reason === 'unavailable') unavailable.push({ pool: name, reason: assignment.why })
  }
  if (unavailable.length === names.length) throw allFilteredOut(family, names, nic.nic, unavailable)
  throw new IpamError(
    'ip-used-out',
    `failed to allocate IPv${family} IP to ${nic.nic} from IPPools [${names.join(' ')}]: all IP addresses used out`,
  )
}

// A StatefulSet pod whose ordinal is still wanted gets back what its predecessor held.
function previousAddresses(ctx: PodContext, nic: string, family: Family) {
  const endpoint = ctx.endpoint
  if (!endpoint || endpoint.status.current.uid === ctx.pod.uid) return undefined
  const set = ctx.statefulSet
  if (!set || !keepsStatefulSetIPs(ctx.pod.name, set)) return undefined
  const detail = endpoint.status.current.ips.find((d) => d.interface === nic)
  const cidr = family === 4 ? detail?.ipv4 : detail?.ipv6
  const pool = family === 4 ? detail?.ipv4Pool : detail?.ipv6Pool
  if (!cidr || !pool) return undefined
  return { ip: cidr.split('/')[0] ?? '', pool, podUid: endpoint.status.current.uid }
}

async function recordEndpoint(deps: Deps, ctx: PodContext, request: AllocateRequest, details: IPAllocationDetail[]): Promise<SpiderEndpoint> {
  const { pod } = ctx
  const facts = {
    pod,
    node: ctx.node.name,
    owner: ctx.app,
    outlivesPod: ctx.statefulSet !== undefined,
    attachment: request,
    now: new Date().toISOString(),
  }
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

async function rollBack(deps: Deps, ctx: PodContext, taken: readonly Taken[]): Promise<void> {
  await Promise.allSettled(
    taken
      .filter((t) => t.fresh)
      .map((t) => deps.poolWriter.release(t.pool.metadata.name, { podUid: ctx.pod.uid, ip: t.ip })),
  )
}
