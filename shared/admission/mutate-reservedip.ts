import type { SpiderReservedIP } from '../api/index.ts'
import { patchFields } from './json-patch.ts'
import { mergedEntries } from './mutate-common.ts'
import { reservedFamily } from './validate-reservedip.ts'
import { allow, type Verdict } from './verdict.ts'

/**
 * Spiderpool's defaults for a SpiderReservedIP (pkg/reservedipmanager reservedip_mutate.go), as a
 * JSON patch: `ipVersion` from the first entry, `ips` merged. No finalizer: nothing depends on it.
 */
export function mutateReservedIP({ raw, reservedIP }: { raw: unknown; reservedIP: SpiderReservedIP }): Verdict {
  const { metadata, spec } = reservedIP
  if (metadata.deletionTimestamp !== undefined) return allow()
  const family = reservedFamily(spec.ips, spec.ipVersion)
  return allow(
    patchFields(raw, [
      [['spec', 'ipVersion'], family],
      [['spec', 'ips'], mergedEntries(spec.ips, family) ?? spec.ips],
    ]),
  )
}
