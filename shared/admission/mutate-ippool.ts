import { API_VERSION, KIND, LABEL, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { patchFields } from './json-patch.ts'
import { cidrLabelValue, familyFromSubnet, mergedEntries, withFinalizer } from './mutate-common.ts'
import { controllerSubnetRef } from './owner-subnet.ts'
import { allow, type Verdict } from './verdict.ts'

export interface IPPoolMutation {
  /** The object as the API server sent it: the patch applies to this. */
  raw: unknown
  /** The same object, parsed. */
  pool: SpiderIPPool
  subnets: readonly SpiderSubnet[]
}

type RawMeta = { metadata?: { ownerReferences?: unknown[] } }

/**
 * Spiderpool's defaults for a SpiderIPPool (pkg/ippoolmanager ippool_mutate.go), as a JSON patch:
 * the finalizer, `ipVersion` from `subnet`, the `ippool-cidr` label, the SpiderSubnet of the same
 * CIDR as controller owner (with its label, and its `gateway` and `routes` when the pool sets
 * none), and `ips`/`excludeIPs` sorted and merged. A terminating pool is left alone.
 */
export function mutateIPPool({ raw, pool, subnets }: IPPoolMutation): Verdict {
  const { metadata, spec } = pool
  if (metadata.deletionTimestamp !== undefined) return allow()
  const family = spec.ipVersion ?? familyFromSubnet(spec.subnet)
  const labels = { ...metadata.labels }
  if (family !== undefined) labels[LABEL.ippoolCIDR] = cidrLabelValue(spec.subnet)
  const wanted: Array<[string[], unknown]> = [
    [['metadata', 'finalizers'], withFinalizer(metadata) ?? metadata.finalizers],
    [['spec', 'ipVersion'], family],
  ]
  const subnet = subnets.find((s) => s.spec.subnet === spec.subnet)
  const ref = controllerSubnetRef(pool)
  if (subnet && (ref === undefined || ref.name === subnet.metadata.name)) {
    labels[LABEL.ownerSpiderSubnet] = subnet.metadata.name
    const owned = (pool.metadata.ownerReferences ?? []).some((r) => r.controller === true)
    if (!owned && subnet.metadata.uid !== undefined) {
      const owner = {
        apiVersion: API_VERSION,
        kind: KIND.subnet,
        name: subnet.metadata.name,
        uid: subnet.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      }
      wanted.push([
        ['metadata', 'ownerReferences'],
        [...((raw as RawMeta).metadata?.ownerReferences ?? []), owner],
      ])
      // Inherited once, when the pool joins the subnet, as Spiderpool does: a pool that later
      // drops its gateway keeps none. An empty `routes` list means no routes, not "inherit".
      if (spec.gateway === undefined && subnet.spec.gateway !== undefined) wanted.push([['spec', 'gateway'], subnet.spec.gateway])
      if (spec.routes === undefined && (subnet.spec.routes ?? []).length > 0) wanted.push([['spec', 'routes'], subnet.spec.routes])
    }
  }
  wanted.push(
    [['metadata', 'labels'], Object.keys(labels).length > 0 ? labels : metadata.labels],
    [['spec', 'ips'], mergedEntries(spec.ips, family) ?? spec.ips],
    [['spec', 'excludeIPs'], mergedEntries(spec.excludeIPs, family) ?? spec.excludeIPs],
  )
  return allow(patchFields(raw, wanted))
}
