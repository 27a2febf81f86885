import { IpamError, type IpamErrorCode } from '../errors.ts'
import { parseIPPoolIPNumber, type IPNumber } from '../annotations/ip-number.ts'
import { parseIPPoolAnnotation } from '../annotations/ippool.ts'
import { parseIPPoolsAnnotation, type NicPools } from '../annotations/ippools.ts'
import { AnnotationKey, type Annotations } from '../annotations/keys.ts'
import { parseNamespaceDefaultPools } from '../annotations/namespace-pools.ts'
import { invalidAnnotation } from '../annotations/parse-json.ts'
import { parseIPPoolReclaim } from '../annotations/reclaim.ts'
import { parseSubnetAnnotation, parseSubnetsAnnotation } from '../annotations/subnet.ts'
import type { IPVersion, PoolView } from './pool-view.ts'
import { expandPoolNames, isWildcard, WildcardSyntaxError } from './wildcard.ts'

/** Where a pod's candidate pools came from, highest priority first. */
export type SelectionTier = 'subnet' | 'pod-ippools' | 'pod-ippool' | 'namespace-default' | 'cni-config' | 'cluster-default'

/** One NIC's candidates, in the user's order. A family that is absent gets no IP on this NIC. */
export interface NicCandidates {
  readonly nic: string
  readonly ipv4?: readonly string[]
  readonly ipv6?: readonly string[]
  readonly cleanGateway: boolean
}

export interface PoolCandidates {
  readonly tier: Exclude<SelectionTier, 'subnet'>
  /** The NIC being set up. */
  readonly current: NicCandidates
  /**
   * Every NIC to serve in this call, current included. Only `ippools` names more than one:
   * Spiderpool allocates all of its NICs on the first ADD.
   */
  readonly nics: readonly NicCandidates[]
}

/**
 * Tier 1 won: the pod wants auto pools. Which pool that is (and whether it exists yet) is the
 * auto-pool machinery's business, so only the subnet names and sizing come back.
 */
export interface SubnetCandidates {
  readonly tier: 'subnet'
  readonly nic: string
  readonly ipv4Subnet?: string
  readonly ipv6Subnet?: string
  readonly cleanGateway: boolean
  /** Absent: the cluster's default flexible number applies. */
  readonly ipNumber?: IPNumber
  readonly reclaim: boolean
}

export type Candidates = PoolCandidates | SubnetCandidates

export interface CandidateRequest {
  /** The interface being set up (CNI_IFNAME). */
  readonly nic: string
  readonly podAnnotations: Annotations
  readonly namespaceAnnotations: Annotations
  /** `default_ipv4_ippool` / `default_ipv6_ippool` of the CNI network config. */
  readonly cniDefaultIPv4IPPool?: readonly string[]
  readonly cniDefaultIPv6IPPool?: readonly string[]
  /** The CNI config's `clean_gateway`; every tier but `ippools` (which says per NIC) uses it. */
  readonly cleanGateway?: boolean
  /** Every pool that exists: for wildcards and the cluster defaults. */
  readonly pools: readonly PoolView[]
  /** Auto pools from SpiderSubnets are enabled (default true). */
  readonly autoPools?: boolean
}

interface Source {
  readonly code: IpamErrorCode
  readonly what: string
}

const annotationSource = (key: string): Source => ({ code: 'invalid-annotation', what: `invalid annotation ${key}` })

const expandFamily = (source: Source, version: IPVersion, names: readonly string[], nic: string, pools: readonly PoolView[]): string[] | undefined => {
  if (names.length === 0) return undefined
  // Spiderpool refuses a name listed twice for one NIC ("wrong input, duplicate IPPool").
  const twice = names.find((name, i) => !isWildcard(name) && names.indexOf(name) !== i)
  if (twice !== undefined) throw new IpamError(source.code, `${source.what}: duplicate IPPool ${twice} specified for NIC ${nic}`)
  // Spiderpool expands a pattern against the pools of the family it is listed for only.
  const existing = pools.filter((p) => p.ipVersion === version).map((p) => p.name)
  let expanded: string[]
  try {
    expanded = expandPoolNames(names, existing)
  } catch (e) {
    if (e instanceof WildcardSyntaxError) throw new IpamError(source.code, `${source.what}: ${e.message}`)
    throw e
  }
  if (expanded.length === 0) {
    const patterns = names.join(' ')
    throw new IpamError('no-pool', `no IPPool available, no IPv${version} IPPool of ${nic} matches [${patterns}]`)
  }
  return expanded
}

const withFamilies = (nic: string, cleanGateway: boolean, ipv4: readonly string[] | undefined, ipv6: readonly string[] | undefined): NicCandidates => ({
  nic,
  cleanGateway,
  ...(ipv4 === undefined || ipv4.length === 0 ? {} : { ipv4 }),
  ...(ipv6 === undefined || ipv6.length === 0 ? {} : { ipv6 }),
})

const nicCandidates = (
  source: Source,
  nic: string,
  ipv4: readonly string[],
  ipv6: readonly string[],
  cleanGateway: boolean,
  pools: readonly PoolView[],
): NicCandidates => withFamilies(nic, cleanGateway, expandFamily(source, 4, ipv4, nic, pools), expandFamily(source, 6, ipv6, nic, pools))

const single = (tier: PoolCandidates['tier'], current: NicCandidates): PoolCandidates => ({
  tier,
  current,
  nics: [current],
})

const fromSubnetAnnotations = (req: CandidateRequest): SubnetCandidates | undefined => {
  const a = req.podAnnotations
  const key = a[AnnotationKey.subnets] !== undefined ? AnnotationKey.subnets : AnnotationKey.subnet
  const raw = a[key]
  if (raw === undefined) return undefined
  if (req.autoPools === false) {
    throw invalidAnnotation(
      key,
      `it's invalid to use '${AnnotationKey.subnets}' or '${AnnotationKey.subnet}' annotation ` + 'when Auto-Pool feature is disabled',
    )
  }
  const chosen = key === AnnotationKey.subnets ? parseSubnetsAnnotation(raw, req.nic).current : parseSubnetAnnotation(raw, req.nic)
  const ipNumber = a[AnnotationKey.ippoolIPNumber]
  return {
    tier: 'subnet',
    nic: req.nic,
    ipv4Subnet: chosen.ipv4,
    ipv6Subnet: chosen.ipv6,
    cleanGateway: req.cleanGateway ?? false,
    ...(ipNumber === undefined ? {} : { ipNumber: parseIPPoolIPNumber(ipNumber) }),
    reclaim: parseIPPoolReclaim(a[AnnotationKey.ippoolReclaim]),
  }
}

const fromPodIPPools = (req: CandidateRequest): PoolCandidates | undefined => {
  const raw = req.podAnnotations[AnnotationKey.ippools]
  if (raw === undefined) return undefined
  const source = annotationSource(AnnotationKey.ippools)
  const parsed = parseIPPoolsAnnotation(raw, req.nic)
  const toNic = (e: NicPools) => nicCandidates(source, e.nic, e.ipv4, e.ipv6, e.cleanGateway, req.pools)
  const current = toNic(parsed.current)
  const nics = parsed.entries.map((e) => (e === parsed.current ? current : toNic(e)))
  return { tier: 'pod-ippools', current, nics }
}

const fromPodIPPool = (req: CandidateRequest): PoolCandidates | undefined => {
  const raw = req.podAnnotations[AnnotationKey.ippool]
  if (raw === undefined) return undefined
  const { ipv4, ipv6 } = parseIPPoolAnnotation(raw)
  const source = annotationSource(AnnotationKey.ippool)
  return single('pod-ippool', nicCandidates(source, req.nic, ipv4, ipv6, req.cleanGateway ?? false, req.pools))
}

const fromNamespace = (req: CandidateRequest): PoolCandidates | undefined => {
  const { ipv4, ipv6 } = parseNamespaceDefaultPools(req.namespaceAnnotations)
  if (ipv4.length === 0 && ipv6.length === 0) return undefined
  const v4 = expandFamily(annotationSource(AnnotationKey.defaultIPv4IPPool), 4, ipv4, req.nic, req.pools)
  const v6 = expandFamily(annotationSource(AnnotationKey.defaultIPv6IPPool), 6, ipv6, req.nic, req.pools)
  return single('namespace-default', withFamilies(req.nic, req.cleanGateway ?? false, v4, v6))
}

const fromCniConfig = (req: CandidateRequest): PoolCandidates | undefined => {
  const ipv4 = req.cniDefaultIPv4IPPool ?? []
  const ipv6 = req.cniDefaultIPv6IPPool ?? []
  if (ipv4.length === 0 && ipv6.length === 0) return undefined
  const source: Source = { code: 'invalid-request', what: 'invalid CNI config default_ipv4_ippool/default_ipv6_ippool' }
  return single('cni-config', nicCandidates(source, req.nic, ipv4, ipv6, req.cleanGateway ?? false, req.pools))
}

const fromClusterDefaults = (req: CandidateRequest): PoolCandidates | undefined => {
  const defaults = req.pools.filter((p) => p.default)
  if (defaults.length === 0) return undefined
  // Name order: what the API server's list gives Spiderpool, and stable across calls.
  const names = (version: IPVersion) =>
    defaults
      .filter((p) => p.ipVersion === version)
      .map((p) => p.name)
      .sort()
  return single('cluster-default', withFamilies(req.nic, req.cleanGateway ?? false, names(4), names(6)))
}

const TIERS = [fromSubnetAnnotations, fromPodIPPools, fromPodIPPool, fromNamespace, fromCniConfig, fromClusterDefaults]

/**
 * The pod's candidate pools: the first tier that names any wins and lower tiers are not even
 * read (a malformed lower-tier annotation does not matter, as in Spiderpool). Wildcards are
 * expanded here; affinity, state and family are judged by `filterCandidates`.
 *
 * @example
 * selectCandidates({ nic: 'eth0', podAnnotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["p1"]}' },
 *   namespaceAnnotations: {}, pools }) // { tier: 'pod-ippool', current: { nic: 'eth0', ipv4: ['p1'], ... } }
 */
export const selectCandidates = (req: CandidateRequest): Candidates => {
  for (const tier of TIERS) {
    const found = tier(req)
    if (found !== undefined) return found
  }
  throw new IpamError('no-pool', 'no IPPool available, no pool selection rules of any type are specified')
}
