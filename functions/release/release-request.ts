import * as v from 'valibot'

const Name = v.pipe(v.string(), v.minLength(1, 'must not be empty'))

/** DELETE /v1/ipam/ip, as Spiderpool's IPAM plugin sends it. */
export const ReleaseRequestSchema = v.object({
  containerID: Name,
  ifName: Name,
  netNamespace: v.optional(v.string()),
  podNamespace: Name,
  podName: Name,
  podUID: Name,
})
export type ReleaseRequest = v.InferOutput<typeof ReleaseRequestSchema>
