import * as v from 'valibot'

/** Both fields are required: Spiderpool's CRD refuses a route without `dst` or `gw`. */
export const RouteSchema = v.object({
  dst: v.string(),
  gw: v.string(),
})
export type Route = v.InferOutput<typeof RouteSchema>
