import type { LabelSelector } from '../api/index.ts'
import { IpamError, isIpamError } from '../errors.ts'
import { appLabels, type AppRef } from './app-labels.ts'
import type { NicCandidates } from './candidates.ts'
import { labelSelectorProblems, matchesLabelSelector, type Labels } from './label-selector.ts'
import type { IPVersion, PoolView } from './pool-view.ts'
import { byPoolPriority } from './priority.ts'

/** The facts a pool's affinities are judged against; all already read, nothing fetched here. */
export interface FilterContext {
  readonly pod: {
    readonly namespace: string
    readonly name: string
    readonly labels?: Labels
    /** The top controller: what an auto pool's podAffinity names. */
    readonly app?: AppRef
  }
  readonly node: { readonly name: string; readonly labels?: Labels }
  readonly namespaceLabels?: Labels
  /**
   * The NetworkAttachmentDefinition (`ns/name`) configuring a NIC, or undefined when none is
   * known (see `multusNetworkOf`). Asked only when a pool has `multusName`; an IpamError it
   * throws becomes that pool's reason.
   */
  readonly multusNetworkOf?: (nic: string) => string | undefined
  /** Where a bare name in `spec.multusName` lives: the project's namespace. */
  readonly multusNamespace: string
}

export interface Rejection {
  readonly pool: string
  readonly reason: string
}

export interface FamilyVerdict {
  /** The surviving candidates, in the order they are tried (see byPoolPriority). */
  readonly kept: readonly string[]
  readonly rejected: readonly Rejection[]
}

/** One NIC's usable pools, in the order they are tried, with why the others were dropped. */
export interface FilteredNic {
  readonly nic: string
  readonly ipv4?: readonly string[]
  readonly ipv6?: readonly string[]
  readonly cleanGateway: boolean
  readonly rejected: readonly Rejection[]
}

// Go's %v of a []string.
const goList = (names: readonly string[]): string => `[${names.join(' ')}]`

// `subject` is "IPPool x" or "auto-created IPPool x".
const selectorVerdict = (what: string, subject: string, selector: LabelSelector, labels: Labels | undefined): string | undefined => {
  const problems = labelSelectorProblems(selector)
  if (problems.length > 0) return `invalid ${what} of ${subject}: ${problems.join('; ')}`
  return matchesLabelSelector(selector, labels ?? {}) ? undefined : `unmatched ${what} of ${subject}`
}

const appLabelsOf = (ctx: FilterContext): Labels | undefined => (ctx.pod.app ? appLabels(ctx.pod.app) : undefined)

const multusVerdict = (pool: PoolView, multusName: readonly string[], nic: string, ctx: FilterContext) => {
  const specified = `interface ${nic} IPPool ${pool.name} specified multusName ${goList(multusName)}`
  let network: string | undefined
  try {
    network = ctx.multusNetworkOf?.(nic)
  } catch (e) {
    if (isIpamError(e)) return `${specified}, but the pod's multus annotation is unusable: ${e.message}`
    throw e
  }
  if (network === undefined) return `${specified}, but no multus network is known for ${nic}`
  const expected = multusName.map((m) => (m.includes('/') ? m : `${ctx.multusNamespace}/${m}`))
  return expected.includes(network) ? undefined : `${specified} unmatched multusCR ${network}`
}

/**
 * Why this pool cannot serve this NIC, or undefined when it can. Checks run in Spiderpool's
 * order and the texts are Spiderpool's, so the first failing rule is the one reported.
 */
export const rejectionReason = (version: IPVersion, name: string, pool: PoolView | undefined, nic: string, ctx: FilterContext): string | undefined => {
  if (pool === undefined) return `IPPool ${name} not found`
  if (pool.terminating) return `terminating IPPool ${name}`
  if (pool.disable) return `disabled IPPool ${name}`
  if (pool.ipVersion !== version) {
    return `expect an IPv${version} IPPool, but the version of the IPPool ${name} is IPv${pool.ipVersion}`
  }
  if (pool.nodeName !== undefined && pool.nodeName.length > 0) {
    if (!pool.nodeName.includes(ctx.node.name)) return `unmatched Node name of IPPool ${name}`
  } else if (pool.nodeAffinity !== undefined) {
    const why = selectorVerdict('Node affinity', `IPPool ${name}`, pool.nodeAffinity, ctx.node.labels)
    if (why !== undefined) return why
  }
  if (pool.namespaceName !== undefined && pool.namespaceName.length > 0) {
    if (!pool.namespaceName.includes(ctx.pod.namespace)) return `unmatched Namespace name of IPPool ${name}`
  } else if (pool.namespaceAffinity !== undefined) {
    const why = selectorVerdict('Namespace affinity', `IPPool ${name}`, pool.namespaceAffinity, ctx.namespaceLabels)
    if (why !== undefined) return why
  }
  if (pool.podAffinity !== undefined) {
    const why = pool.autoCreated
      ? selectorVerdict('Pod affinity', `auto-created IPPool ${name}`, pool.podAffinity, appLabelsOf(ctx))
      : selectorVerdict('Pod affinity', `IPPool ${name}`, pool.podAffinity, ctx.pod.labels)
    if (why !== undefined) return why
  }
  if (pool.multusName !== undefined && pool.multusName.length > 0) return multusVerdict(pool, pool.multusName, nic, ctx)
  return undefined
}

const indexByName = (pools: readonly PoolView[]): ReadonlyMap<string, PoolView> => new Map(pools.map((p) => [p.name, p]))

/**
 * Keep the candidates that may serve this NIC, in the order they are to be tried: Spiderpool's
 * priority (podAffinity first ... the rest last), the user's order among equals.
 */
export const filterFamily = (version: IPVersion, names: readonly string[], nic: string, pools: readonly PoolView[], ctx: FilterContext): FamilyVerdict => {
  const byName = indexByName(pools)
  const kept: string[] = []
  const rejected: Rejection[] = []
  for (const name of names) {
    const reason = rejectionReason(version, name, byName.get(name), nic, ctx)
    if (reason === undefined) kept.push(name)
    else rejected.push({ pool: name, reason })
  }
  return { kept: byPoolPriority(kept, byName), rejected }
}

// k8s.io/apimachinery's aggregate error text: one message alone, several as "[a, b]", no repeats.
const aggregate = (messages: readonly string[]): string => {
  const unique = [...new Set(messages)]
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`
}

/** Spiderpool's refusal when no candidate of a family survives. */
export const allFilteredOut = (version: IPVersion, names: readonly string[], nic: string, rejected: readonly Rejection[]): IpamError =>
  new IpamError(
    'no-pool',
    `no IPPool available, all IPv${version} IPPools ${goList(names)} of ${nic} filtered out: ` + aggregate(rejected.map((r) => r.reason)),
  )

/**
 * Spiderpool reads every named candidate before it filters any: one that does not exist fails
 * the whole allocation, even when another candidate could serve. Here too, so that a typo in a
 * pool name is refused rather than silently routed to the next pool.
 */
export const missingPool = (candidates: NicCandidates, pools: readonly PoolView[]): IpamError | undefined => {
  const known = new Set(pools.map((p) => p.name))
  const missing = [...(candidates.ipv4 ?? []), ...(candidates.ipv6 ?? [])].find((name) => !known.has(name))
  if (missing === undefined) return undefined
  return new IpamError('no-pool', `failed to get original IPPool ${missing}: spiderippools.spiderpool.spidernet.io "${missing}" not found`)
}

/**
 * Filter one NIC's candidates. A candidate that does not exist refuses the NIC (see
 * missingPool); each requested family must keep at least one pool, or the NIC cannot be set up:
 * IpamError 'no-pool' with every reason.
 */
export const filterCandidates = (candidates: NicCandidates, pools: readonly PoolView[], ctx: FilterContext): FilteredNic => {
  const missing = missingPool(candidates, pools)
  if (missing) throw missing
  const { nic } = candidates
  const rejected: Rejection[] = []
  const family = (version: IPVersion, names: readonly string[] | undefined) => {
    if (names === undefined) return {}
    const verdict = filterFamily(version, names, nic, pools, ctx)
    if (verdict.kept.length === 0) throw allFilteredOut(version, names, nic, verdict.rejected)
    rejected.push(...verdict.rejected)
    return version === 4 ? { ipv4: verdict.kept } : { ipv6: verdict.kept }
  }
  return {
    nic,
    ...family(4, candidates.ipv4),
    ...family(6, candidates.ipv6),
    cleanGateway: candidates.cleanGateway,
    rejected,
  }
}
