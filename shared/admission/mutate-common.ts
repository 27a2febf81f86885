import { FINALIZER, type ObjectMeta } from '../api/index.ts'
import { cidrFamily, formatRanges, mergeRanges, parseIpRanges, type IpFamily } from '../ip/index.ts'

/** The finalizers with Spiderpool's added, or undefined when it is there already. */
export const withFinalizer = (metadata: ObjectMeta): string[] | undefined => {
  const finalizers = metadata.finalizers ?? []
  return finalizers.includes(FINALIZER) ? undefined : [...finalizers, FINALIZER]
}

/** `ipVersion` as the webhook derives it from `subnet`; undefined when the subnet does not parse. */
export const familyFromSubnet = (subnet: string): IpFamily | undefined => {
  try {
    return cidrFamily(subnet)
  } catch {
    return undefined
  }
}

/**
 * An `ips`/`excludeIPs` list sorted and merged (Spiderpool's MergeIPRanges), for lists of more
 * than one entry; undefined when an entry does not parse (validation then names it).
 */
export const mergedEntries = (entries: readonly string[] | undefined, family: IpFamily | undefined): string[] | undefined => {
  if (entries === undefined || entries.length < 2 || family === undefined) return undefined
  try {
    return formatRanges(mergeRanges(parseIpRanges(entries, family)))
  } catch {
    return undefined
  }
}

const replaceFirst = (text: string, from: string, to: string, count: number): string => {
  let out = text
  for (let i = 0; i < count && out.includes(from); i++) out = out.replace(from, to)
  return out
}

/**
 * The `ipam.spidernet.io/ippool-cidr` and `subnet-cidr` label value Spiderpool derives from a
 * subnet (CIDRToLabelValue): dots, colons and the slash become dashes, `10.6.0.0/16` -> `10-6-0-0-16`.
 */
export const cidrLabelValue = (subnet: string): string => replaceFirst(replaceFirst(replaceFirst(subnet, '.', '-', 3), ':', '-', 7), '/', '-', 1)
