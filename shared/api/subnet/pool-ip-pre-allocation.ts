import * as v from 'valibot'

/**
 * One entry of a subnet's `status.controlledIPPools`: the IPs the subnet handed to a pool.
 * Spiderpool's Go type has `ips` without omitempty, so a nil slice arrives as `null`: read as [].
 */
export const PoolIPPreAllocationSchema = v.object({
  /** Single IPs or ranges `a-b`. */
  ips: v.nullish(v.array(v.string()), () => []),
  /** `<group>_<version>_<Kind>_<ns>_<name>` (core group: `v1_Pod_ns_name`); absent for pools a user made. */
  application: v.optional(v.string()),
})
export type PoolIPPreAllocation = v.InferOutput<typeof PoolIPPreAllocationSchema>
