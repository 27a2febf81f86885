import type { IPAllocationDetail, SpiderEndpoint } from '../../shared/api/index.ts'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import { deadPodReason, isLivePod, keepsStatefulSetIPs } from '../../shared/allocate/pod-rules.ts'
import { retryOnConflict } from '../../shared/store/retry-on-conflict.ts'
import type { Deps } from '../lib/deps.ts'
import type { ReleaseRequest } from '../../shared/api/ipam/release-request.ts'

export interface ReleaseResult {
  released: string[]
  /**
   * The pod is alive (its next sandbox gets the addresses back), or it is a StatefulSet pod whose
   * ordinal is still wanted (its next incarnation does).
   */
  kept: boolean
}

/**
 * DELETE /v1/ipam/ip. Idempotent: a pod or NIC nothing is known about releases nothing and
 * succeeds. Records go only when the pod UID matches, so a late DEL of an old incarnation cannot
 * free what its successor of the same name was just given. As in Spiderpool, a DEL while the pod
 * lives on (not terminating, not finished) keeps its addresses for its next sandbox.
 */
export async function releaseIPs(request: ReleaseRequest, deps: Deps): Promise<ReleaseResult> {
  const { store, poolWriter } = deps
  if (await livesOn(deps, request)) return { released: [], kept: true }
  const ours = await readEndpoint(deps, request)
  if (ours && ours.status.ownerControllerType === 'StatefulSet') {
    const set = await store.getController('StatefulSet', request.podNamespace, ours.status.ownerControllerName)
    if (keepsStatefulSetIPs(request.podName, set)) return { released: [], kept: true }
  }

  const entries = ours?.status.current.ips ?? []
  const detail = entries.find((d) => d.interface === request.ifName)
  // Unclaimed ippools entries (interface "") go with the pod's last claimed NIC: no ADD will
  // claim them any more.
  const rest = entries.filter((d) => d !== detail)
  const going = detail ? [detail, ...(rest.every((d) => d.interface === '') ? rest : [])] : []
  const releases = detail
    ? going.flatMap(addressesOf).map(({ pool, ip }) => ({ pool, request: { podUid: request.podUID, ip } }))
    : // Without an endpoint entry (an ADD that died between its two writes) the pools are
      // searched; what the endpoint gives the pod's other NICs stays.
      (await poolsHolding(deps, request.podUID)).map((pool) => ({
        pool,
        request: { podUid: request.podUID, nic: request.ifName, keep: entries.flatMap((d) => addressesOf(d).map((a) => a.ip)) },
      }))
  const released = (await Promise.all(releases.map(({ pool, request }) => poolWriter.release(pool, request)))).flat()

  if (ours) await forgetNic(deps, ours, request)
  return { released, kept: false }
}

/**
 * The pod's endpoint when it is this incarnation's. The API server's watch cache answers almost
 * always: an entry of this UID for this NIC, once written, says what the NIC holds until this
 * release (a retried ADD is answered as recorded), and every pool release is conditional on IP
 * and UID, the endpoint write on its resourceVersion. Only an endpoint whose entries are all
 * claimed NICs is taken from the cache (unclaimed entries go with the last NIC, which a moment-old
 * view could misjudge); anything else is read from etcd.
 */
async function readEndpoint({ store }: Deps, request: ReleaseRequest): Promise<SpiderEndpoint | undefined> {
  const cached = await store.getEndpoint(request.podNamespace, request.podName, 'cached')
  const ips = cached?.status.current.uid === request.podUID ? cached.status.current.ips : []
  if (ips.some((d) => d.interface === request.ifName) && ips.every((d) => d.interface !== '')) return cached
  const latest = await store.getEndpoint(request.podNamespace, request.podName)
  return latest?.status.current.uid === request.podUID ? latest : undefined
}

// A UID that is dead stays dead, so a cached "dead" is final; "alive" is confirmed from etcd,
// as Spiderpool reads the pod past its cache here.
async function livesOn({ store }: Deps, request: ReleaseRequest): Promise<boolean> {
  const cached = await store.getPod(request.podNamespace, request.podName, 'cached')
  if (cached?.uid === request.podUID && deadPodReason(cached) !== undefined) return false
  return isLivePod(await store.getPod(request.podNamespace, request.podName, 'latest'), request.podUID)
}

const addressesOf = (d: IPAllocationDetail): { pool: string; ip: string }[] =>
  [
    { pool: d.ipv4Pool, cidr: d.ipv4 },
    { pool: d.ipv6Pool, cidr: d.ipv6 },
  ].flatMap(({ pool, cidr }) => (pool && cidr ? [{ pool, ip: cidr.split('/')[0] ?? '' }] : []))

async function poolsHolding(deps: Deps, podUid: string): Promise<string[]> {
  const pools = await deps.store.listPools()
  return pools
    .filter((pool) => Object.values(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)).some((r) => r.podUid === podUid))
    .map((pool) => pool.metadata.name)
}

// Drops the NIC's entry; the endpoint goes with its last claimed entry.
async function forgetNic(deps: Deps, first: SpiderEndpoint, request: ReleaseRequest): Promise<void> {
  let known: SpiderEndpoint | undefined = first
  await retryOnConflict(`update SpiderEndpoint ${request.podNamespace}/${request.podName}`, async () => {
    const endpoint = known ?? (await deps.store.getEndpoint(request.podNamespace, request.podName))
    known = undefined
    if (!endpoint || endpoint.status.current.uid !== request.podUID) return
    const ips = endpoint.status.current.ips.filter((d) => d.interface !== request.ifName)
    if (ips.length === endpoint.status.current.ips.length) return
    if (ips.every((d) => d.interface === '')) {
      await deps.store.deleteEndpoint(endpoint)
      return
    }
    await deps.store.replaceEndpoint({ ...endpoint, status: { ...endpoint.status, current: { ...endpoint.status.current, ips } } })
  })
}
