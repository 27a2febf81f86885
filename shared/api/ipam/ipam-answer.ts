import * as v from 'valibot'

// Go services write absent fields as null as often as they leave them out: accept both.
const optionalString = v.nullish(v.string())
const optionalStrings = v.nullish(v.array(v.string()))

export const ServiceIPSchema = v.object({
  version: v.picklist([4, 6]),
  address: v.string(),
  nic: v.string(),
  ipPool: optionalString,
  gateway: optionalString,
  vlan: v.nullish(v.number()),
})

export const ServiceRouteSchema = v.object({
  ifName: v.string(),
  dst: v.string(),
  gw: optionalString,
})

export const ServiceDnsSchema = v.object({
  nameservers: optionalStrings,
  domain: optionalString,
  search: optionalStrings,
  options: optionalStrings,
})

/**
 * What `POST /v1/ipam/ip` (and the read-only `GET /v1/ipam/ip`) answer with 200: every NIC's
 * addresses and routes for the pod; the plugin keeps the entries of its own interface.
 */
export const IpamAnswerSchema = v.object({
  ips: v.array(ServiceIPSchema),
  routes: v.nullish(v.array(ServiceRouteSchema)),
  dns: v.nullish(ServiceDnsSchema),
})

export type ServiceIP = v.InferOutput<typeof ServiceIPSchema>
export type ServiceRoute = v.InferOutput<typeof ServiceRouteSchema>
export type ServiceDns = v.InferOutput<typeof ServiceDnsSchema>
export type IpamAnswer = v.InferOutput<typeof IpamAnswerSchema>

/** What the service answers: exactly what IpamAnswerSchema accepts, with both lists always written. */
export type IpamResponse = v.InferInput<typeof IpamAnswerSchema> & {
  ips: v.InferInput<typeof ServiceIPSchema>[]
  routes: v.InferInput<typeof ServiceRouteSchema>[]
}
