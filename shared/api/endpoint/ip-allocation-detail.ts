import * as v from 'valibot'
import { RouteSchema } from '../common/route.ts'

/**
 * One NIC of a pod, as recorded in its SpiderEndpoint. Spiderpool bounds the vlan here at 4095
 * (not 4094 as on pools) and defaults it to 0; both kept so its endpoints parse.
 */
export const IPAllocationDetailSchema = v.object({
  interface: v.string(),
  /** CIDR form, e.g. `10.6.168.65/16`. */
  ipv4: v.optional(v.string()),
  ipv6: v.optional(v.string()),
  ipv4Pool: v.optional(v.string()),
  ipv6Pool: v.optional(v.string()),
  vlan: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095)), 0),
  ipv4Gateway: v.optional(v.string()),
  ipv6Gateway: v.optional(v.string()),
  cleanGateway: v.optional(v.boolean()),
  routes: v.optional(v.array(RouteSchema)),
})
export type IPAllocationDetail = v.InferOutput<typeof IPAllocationDetailSchema>
