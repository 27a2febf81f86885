import * as v from 'valibot'
import { IPCountSchema } from '../common/ip-count.ts'

/**
 * `allocatedIPs` stays the raw JSON string here: decode it with parseAllocatedIPs only where the
 * records are needed, so that one malformed pool status does not stop listing pools.
 */
export const IPPoolStatusSchema = v.object({
  allocatedIPs: v.optional(v.string()),
  allocatedIPCount: v.optional(IPCountSchema),
  totalIPCount: v.optional(IPCountSchema),
})
export type IPPoolStatus = v.InferOutput<typeof IPPoolStatusSchema>
