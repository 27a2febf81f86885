import { parseIPPoolAnnotation } from '../annotations/ippool.ts'
import { parseIPPoolsAnnotation } from '../annotations/ippools.ts'
import { AnnotationKey } from '../annotations/keys.ts'
import { parseNamespaceDefaultPools } from '../annotations/namespace-pools.ts'
import type { CandidateRequest } from './candidates.ts'
import { isWildcard } from './wildcard.ts'

/**
 * Which pools an allocation must read to choose among them: the names its winning tier lists,
 * or 'all' when that tier needs the whole list (a wildcard, or the cluster defaults of tier 6).
 * Reading only the named pools keeps an ADD's cost independent of how many pools the cluster
 * has; the LIST is a full copy of every pool's status. Mirrors the tier order of
 * selectCandidates, which still makes the decision (and reports malformed annotations).
 */
export const poolsToRead = (req: Omit<CandidateRequest, 'pools'>): readonly string[] | 'all' => {
  const a = req.podAnnotations
  // Tier 1 (subnets) is decided without pools; a malformed value is reported by selectCandidates.
  if (a[AnnotationKey.subnets] !== undefined || a[AnnotationKey.subnet] !== undefined) return []
  const named = tierNames(req)
  if (named === undefined || named.some(isWildcard)) return 'all'
  return [...new Set(named)]
}

const tierNames = (req: Omit<CandidateRequest, 'pools'>): string[] | undefined => {
  const a = req.podAnnotations
  try {
    const ippools = a[AnnotationKey.ippools]
    if (ippools !== undefined) return parseIPPoolsAnnotation(ippools, req.nic).entries.flatMap((e) => [...e.ipv4, ...e.ipv6])
    const ippool = a[AnnotationKey.ippool]
    if (ippool !== undefined) {
      const { ipv4, ipv6 } = parseIPPoolAnnotation(ippool)
      return [...ipv4, ...ipv6]
    }
    const ns = parseNamespaceDefaultPools(req.namespaceAnnotations)
    if (ns.ipv4.length > 0 || ns.ipv6.length > 0) return [...ns.ipv4, ...ns.ipv6]
  } catch {
    // Malformed: read nothing; selectCandidates refuses it with the right message.
    return []
  }
  const cni = [...(req.cniDefaultIPv4IPPool ?? []), ...(req.cniDefaultIPv6IPPool ?? [])]
  return cni.length > 0 ? cni : undefined
}

/**
 * The pools to read when the pod's own annotations decide the tier (1 to 3), so that they can be
 * read alongside the node and namespace; undefined when lower tiers may decide.
 */
export const poolsNamedByPod = (podAnnotations: Readonly<Record<string, string>>, nic: string): readonly string[] | 'all' | undefined => {
  const decides = [AnnotationKey.subnets, AnnotationKey.subnet, AnnotationKey.ippools, AnnotationKey.ippool].some((key) => podAnnotations[key] !== undefined)
  return decides ? poolsToRead({ nic, podAnnotations, namespaceAnnotations: {} }) : undefined
}
