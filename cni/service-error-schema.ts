import * as v from 'valibot'

/**
 * The body of every non-2xx answer of the IPAM service: `code` is an IpamErrorCode
 * (shared/errors.ts) and decides the CNI code; the HTTP status is only a fallback for bodies
 * without one (a proxy, a crash, a route that does not exist).
 */
export const ServiceErrorSchema = v.object({
  code: v.string(),
  message: v.string(),
  details: v.nullish(v.string()),
})

export type ServiceError = v.InferOutput<typeof ServiceErrorSchema>
