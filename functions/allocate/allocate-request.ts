import * as v from 'valibot'

const Name = v.pipe(v.string(), v.minLength(1, 'must not be empty'))
const PoolNames = v.array(Name)

/** POST /v1/ipam/ip, as Spiderpool's IPAM plugin sends it. */
export const AllocateRequestSchema = v.object({
  containerID: Name,
  ifName: Name,
  netNamespace: v.optional(v.string()),
  podNamespace: Name,
  podName: Name,
  podUID: Name,
  defaultIPv4IPPool: v.optional(PoolNames),
  defaultIPv6IPPool: v.optional(PoolNames),
  cleanGateway: v.optional(v.boolean()),
  /** The CNI network's name; recorded so that CNI GC of one network leaves the others alone. */
  network: v.optional(v.string()),
})
export type AllocateRequest = v.InferOutput<typeof AllocateRequestSchema>
