import * as v from 'valibot'
import { IPCountSchema } from '../common/ip-count.ts'

/** `controlledIPPools` stays the raw JSON string; decode it with parseControlledIPPools. */
export const SubnetStatusSchema = v.object({
  controlledIPPools: v.optional(v.string()),
  /** IPs handed to pools, not to pods. */
  allocatedIPCount: v.optional(IPCountSchema),
  totalIPCount: v.optional(IPCountSchema),
})
export type SubnetStatus = v.InferOutput<typeof SubnetStatusSchema>
