import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { resolveMultiNic, unclaimedNic, type MultiNic } from './multi-nic.ts'
import { NameListSchema } from './names-schema.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

/** `ipam.spidernet.io/ippools`: candidate pools per NIC. */
export const IPPoolsAnnotationSchema = v.array(
  jsonObject({
    interface: v.nullish(v.string('must be a string'), ''),
    ipv4: NameListSchema,
    ipv6: NameListSchema,
    cleangateway: v.nullish(v.boolean('must be true or false'), false),
  }),
  'must be a JSON list',
)

export type IPPoolsAnnotation = v.InferOutput<typeof IPPoolsAnnotationSchema>

/** One NIC's candidate pools, as the annotation names them (wildcards not yet expanded). */
export interface NicPools {
  readonly nic: string
  readonly ipv4: readonly string[]
  readonly ipv6: readonly string[]
  readonly cleanGateway: boolean
}

/**
 * Parse the annotation for the NIC being set up. Every entry is returned, not only the current
 * one: Spiderpool allocates all NICs of this annotation on the first ADD and answers later ADDs
 * from the SpiderEndpoint, so the caller needs the whole set. Unnamed entries go by call order,
 * as in Spiderpool: entry 0 is the NIC of this (first) ADD, the others are unclaimed until a
 * later ADD claims one from the endpoint (see `unclaimedNic`). An entry that names no pool is
 * refused: Spiderpool would silently leave that NIC without an IP.
 */
export const parseIPPoolsAnnotation = (raw: string, currentNic: string): MultiNic<NicPools> => {
  const key = AnnotationKey.ippools
  const items = parseJsonAnnotation(key, raw, IPPoolsAnnotationSchema)
  return resolveMultiNic(
    key,
    items,
    currentNic,
    (item, nic) => {
      if (item.ipv4.length === 0 && item.ipv6.length === 0) {
        throw invalidAnnotation(key, `interface ${nic} names no IPv4 or IPv6 IPPool`)
      }
      return { nic, ipv4: item.ipv4, ipv6: item.ipv6, cleanGateway: item.cleangateway }
    },
    (position) => (position === 0 ? currentNic : unclaimedNic(position)),
  )
}

/** The pod's `ippools` annotation maps its entries to NICs by call order (no entry names one). */
export const hasUnnamedIPPools = (annotations: Readonly<Record<string, string>>): boolean => {
  const raw = annotations[AnnotationKey.ippools]
  if (raw === undefined) return false
  try {
    return !parseIPPoolsAnnotation(raw, 'eth0').named
  } catch {
    return false // malformed: selection refuses it with the right message
  }
}
