import * as v from 'valibot'

/**
 * One record of a pool's `status.allocatedIPs`. Spiderpool v1.2 writes `{pod, podUid}`; later
 * versions add `interface` (the pod's NIC), which Spinneret reads and may write. Other fields an
 * older writer left behind are dropped on parse.
 */
export const PoolIPAllocationSchema = v.object({
  interface: v.optional(v.string()),
  /** `<namespace>/<name>` of the pod. */
  pod: v.string(),
  podUid: v.string(),
})
export type PoolIPAllocation = v.InferOutput<typeof PoolIPAllocationSchema>
