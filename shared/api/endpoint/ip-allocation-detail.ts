import * as v from 'valibot'
import { RouteSchema } from '../common/route.ts'

/**
 * One NIC of a pod, as recorded in its SpiderEndpoint, in Spiderpool v1.2's shape: `vlan`
 * 0-4094 defaulting to 0, and `mac`, which external systems (cloud providers) fill in there.
 * Spinneret writes neither but keeps what it finds.
 */
export const IPAllocationDetailSchema = v.object({
  interface: v.string(),
  /** CIDR form, e.g. `10.6.168.65/16`. */
  ipv4: v.optional(v.string()),
  ipv6: v.optional(v.string()),
  ipv4Pool: v.optional(v.string()),
  ipv6Pool: v.optional(v.string()),
  vlan: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4094)), 0),
  ipv4Gateway: v.optional(v.string()),
  ipv6Gateway: v.optional(v.string()),
  cleanGateway: v.optional(v.boolean()),
  routes: v.optional(v.array(RouteSchema)),
  /** MAC address, `aa:bb:cc:dd:ee:ff`. */
  mac: v.optional(v.string()),
})
export type IPAllocationDetail = v.InferOutput<typeof IPAllocationDetailSchema>
