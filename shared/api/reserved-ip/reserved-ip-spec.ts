import * as v from 'valibot'
import { IPVersionSchema } from '../common/ip-version.ts'

export const ReservedIPSpecSchema = v.object({
  ipVersion: v.optional(IPVersionSchema),
  /** Single IPs or ranges `a-b`, skipped by every pool of that family and by subnets. */
  ips: v.optional(v.array(v.string())),
})
export type ReservedIPSpec = v.InferOutput<typeof ReservedIPSpecSchema>
