import * as v from 'valibot'
import { IpamError } from '../errors.ts'

/**
 * One pool's claim on its addresses: the ranges it may hand out or holds (`ips` − `excludeIPs`,
 * plus any address a record holds outside them), at one generation of its spec.
 */
export const ClaimSchema = v.object({
  pool: v.string(),
  generation: v.pipe(v.number(), v.integer(), v.minValue(0)),
  ips: v.array(v.string()),
})
export type Claim = v.InferOutput<typeof ClaimSchema>

/**
 * Every pool's claim, keyed by pool UID, as one object with one resourceVersion: a claim is added
 * by a write conditional on that version, so two pools can never claim one address, however
 * their writes interleave. Stored as a ConfigMap in the service's namespace (one data key per UID).
 */
export interface ClaimRegistry {
  /** Undefined until the registry is first written. */
  resourceVersion?: string
  claims: Record<string, Claim>
}

/** ConfigMap `data` to claims. A malformed entry stops allocation: skipping it could lose a claim. */
export const parseClaims = (data: Readonly<Record<string, string>> | undefined): Record<string, Claim> => {
  const claims: Record<string, Claim> = {}
  for (const [uid, text] of Object.entries(data ?? {})) {
    let decoded: unknown
    try {
      decoded = JSON.parse(text)
    } catch {
      decoded = undefined
    }
    const result = v.safeParse(ClaimSchema, decoded)
    if (!result.success) throw new IpamError('invalid-resource', `IP claim registry: the entry of pool UID ${uid} is malformed: ${text}`)
    claims[uid] = result.output
  }
  return claims
}

export const serializeClaims = (claims: Readonly<Record<string, Claim>>): Record<string, string> =>
  Object.fromEntries(Object.entries(claims).map(([uid, claim]) => [uid, JSON.stringify(claim)]))
