import { LABEL } from '../api/index.ts'

/**
 * The `application` of a subnet's controlledIPPools entry, read from the owner labels Spiderpool
 * puts on auto pools: `<group>_<version>_<Kind>_<ns>_<name>`, or `v1_Pod_ns_name` for the core
 * group. The gv label already holds `apps_v1` (label values cannot hold `/`); a hand-written
 * `apps/v1` is accepted too. Undefined unless all four labels are there: a pool a user made has none.
 */
export const applicationOf = (labels: Readonly<Record<string, string>> | undefined): string | undefined => {
  const gv = labels?.[LABEL.ownerApplicationGV]
  const kind = labels?.[LABEL.ownerApplicationKind]
  const namespace = labels?.[LABEL.ownerApplicationNamespace]
  const name = labels?.[LABEL.ownerApplicationName]
  if (!gv || !kind || !namespace || !name) return undefined
  return [gv.replace('/', '_'), kind, namespace, name].join('_')
}
