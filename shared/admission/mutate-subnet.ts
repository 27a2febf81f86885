import { LABEL, type SpiderSubnet } from '../api/index.ts'
import { patchFields } from './json-patch.ts'
import { cidrLabelValue, familyFromSubnet, mergedEntries, withFinalizer } from './mutate-common.ts'
import { allow, type Verdict } from './verdict.ts'

/**
 * Spiderpool's defaults for a SpiderSubnet (pkg/subnetmanager subnet_mutate.go), as a JSON patch:
 * the finalizer, `ipVersion` from `subnet`, the `subnet-cidr` label, `ips`/`excludeIPs` merged.
 * `raw` is the object as the API server sent it, `subnet` the same parsed.
 */
export function mutateSubnet({ raw, subnet }: { raw: unknown; subnet: SpiderSubnet }): Verdict {
  const { metadata, spec } = subnet
  if (metadata.deletionTimestamp !== undefined) return allow()
  const family = spec.ipVersion ?? familyFromSubnet(spec.subnet)
  const labels = family === undefined ? metadata.labels : { ...metadata.labels, [LABEL.subnetCIDR]: cidrLabelValue(spec.subnet) }
  return allow(
    patchFields(raw, [
      [['metadata', 'finalizers'], withFinalizer(metadata) ?? metadata.finalizers],
      [['spec', 'ipVersion'], family],
      [['metadata', 'labels'], labels],
      [['spec', 'ips'], mergedEntries(spec.ips, family) ?? spec.ips],
      [['spec', 'excludeIPs'], mergedEntries(spec.excludeIPs, family) ?? spec.excludeIPs],
    ]),
  )
}
