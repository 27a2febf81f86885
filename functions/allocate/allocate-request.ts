import * as v from 'valibot'
import { NonEmpty, PodRequestFields } from '../lib/pod-request-fields.ts'

/** POST /v1/ipam/ip, as Spiderpool's IPAM plugin sends it. */
export const AllocateRequestSchema = v.object({
  ...PodRequestFields,
  defaultIPv4IPPool: v.optional(v.array(NonEmpty)),
  defaultIPv6IPPool: v.optional(v.array(NonEmpty)),
  cleanGateway: v.optional(v.boolean()),
  /** The CNI network's name; recorded so that CNI GC of one network leaves the others alone. */
  network: v.optional(v.string()),
})
export type AllocateRequest = v.InferOutput<typeof AllocateRequestSchema>
