import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { resolveMultiNic, type MultiNic } from './multi-nic.ts'
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
 * from the SpiderEndpoint, so the caller needs the whole set. Unnamed entries map by position
 * (see `positionalNicName`). An entry that names no pool is refused: Spiderpool would silently
 * leave that NIC without an IP.
 */
export const parseIPPoolsAnnotation = (raw: string, currentNic: string): MultiNic<NicPools> => {
  const key = AnnotationKey.ippools
  const items = parseJsonAnnotation(key, raw, IPPoolsAnnotationSchema)
  return resolveMultiNic(key, items, currentNic, (item, nic) => {
    if (item.ipv4.length === 0 && item.ipv6.length === 0) {
      throw invalidAnnotation(key, `interface ${nic} names no IPv4 or IPv6 IPPool`)
    }
    return { nic, ipv4: item.ipv4, ipv6: item.ipv6, cleanGateway: item.cleangateway }
  })
}
