import * as v from 'valibot'
import { IPVersionSchema } from './ip-version.ts'
import { RouteSchema } from './route.ts'

/**
 * Spec fields SpiderIPPool and SpiderSubnet share. Structure only: that `subnet` is a canonical
 * CIDR, that `ips` lie inside it and so on is shared/validate's job.
 */
export const addressEntries = {
  /** Optional: admission derives it from `subnet` when absent. */
  ipVersion: v.optional(IPVersionSchema),
  /** CIDR, e.g. `10.6.0.0/16`. */
  subnet: v.string(),
  /** Single IPs or ranges `a-b`. */
  ips: v.optional(v.array(v.string())),
  /** Same format as `ips`; never handed out. */
  excludeIPs: v.optional(v.array(v.string())),
  gateway: v.optional(v.string()),
  routes: v.optional(v.array(RouteSchema)),
} as const
