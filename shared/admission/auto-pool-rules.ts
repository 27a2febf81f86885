import { LABEL, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { formatRanges, rangesContainRanges, subtractRanges, type IpRange } from '../ip/index.ts'
import { currentEntries, entryRanges } from '../reconcile/index.ts'
import type { ParsedAddressSpec } from './address-rules.ts'
import { forbidden, goList, type FieldError } from './field-error.ts'
import { owningSubnet } from './owner-subnet.ts'

/** An auto pool: one Spiderpool or Spinneret made for an application (it carries the owner labels). */
export const isAutoPool = (pool: SpiderIPPool): boolean => pool.metadata.labels?.[LABEL.ownerApplicationName] !== undefined

const sameRanges = (a: readonly IpRange[], b: readonly IpRange[]) => rangesContainRanges(a, b) && rangesContainRanges(b, a)

/**
 * Users cannot edit an auto pool's addresses: its `ips` − `excludeIPs` must be what its subnet's
 * `controlledIPPools` reserves for it (Spiderpool's rule and words). The service that keeps the
 * pool (`byService`) may also hold less: it shrinks a pool by excluding addresses before the
 * subnet gives them up, so that no address leaves a pool while it could still hand it out.
 * Judged when the addresses change (or on create), not when a label or a finalizer does.
 */
export function autoPoolAddresses(args: {
  pool: SpiderIPPool
  oldTotal?: readonly IpRange[]
  spec: ParsedAddressSpec
  subnets: readonly SpiderSubnet[]
  byService: boolean
}): FieldError | undefined {
  const { pool, spec } = args
  if (!isAutoPool(pool)) return undefined
  if (args.oldTotal && sameRanges(args.oldTotal, spec.total)) return undefined
  const subnet = owningSubnet(pool, args.subnets)
  if (!subnet) return undefined
  const reserved = entryRanges(currentEntries(subnet)[pool.metadata.name], spec.family)
  if (args.byService) {
    const extra = subtractRanges(spec.total, reserved)
    if (extra.length === 0) return undefined
    return forbidden(
      'spec.ips',
      `add IP ranges ${goList(formatRanges(extra))} that SpiderSubnet ${subnet.metadata.name} does not reserve for auto-created IPPool ${pool.metadata.name} in its status.controlledIPPools`,
    )
  }
  if (sameRanges(spec.total, reserved)) return undefined
  return forbidden('spec.ips', "it's illegal to update AutoPool.Spec.IPs that are different from corresponding SpiderSubnet.Status.ControlledIPPools")
}
