import * as v from 'valibot'
import { absentOrNull, NonEmpty, PodRequestFields } from './request-fields.ts'

/** POST /v1/ipam/ip, as Spiderpool's IPAM plugin sends it (its IpamAddArgs). */
export const AllocateRequestSchema = v.object({
  ...PodRequestFields,
  defaultIPv4IPPool: absentOrNull(v.array(NonEmpty)),
  defaultIPv6IPPool: absentOrNull(v.array(NonEmpty)),
  cleanGateway: absentOrNull(v.boolean()),
  /** The plugin's `match_master_subnet` (SR-IOV only in Spiderpool): refused, see allocateIPs. */
  matchMasterSubnet: absentOrNull(v.boolean()),
  /** The CNI network's name; recorded so that CNI GC of one network leaves the others alone. */
  network: absentOrNull(v.string()),
})
export type AllocateRequest = v.InferOutput<typeof AllocateRequestSchema>
/** What a client sends (the plugin): the schema's input side, so the two cannot drift apart. */
export type AllocateRequestBody = v.InferInput<typeof AllocateRequestSchema>
