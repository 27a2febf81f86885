import type * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { NameListSchema } from './names-schema.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

/** `ipam.spidernet.io/ippool`: the candidate pools of the NIC being set up. */
export const IPPoolAnnotationSchema = jsonObject({ ipv4: NameListSchema, ipv6: NameListSchema })

export type IPPoolAnnotation = v.InferOutput<typeof IPPoolAnnotationSchema>

/**
 * Spiderpool has no `cleangateway` in this annotation (it comes from the CNI request). A value
 * that names no pool at all is refused: Spiderpool would silently give the NIC no IP.
 */
export const parseIPPoolAnnotation = (raw: string): IPPoolAnnotation => {
  const value = parseJsonAnnotation(AnnotationKey.ippool, raw, IPPoolAnnotationSchema)
  if (value.ipv4.length === 0 && value.ipv6.length === 0) {
    throw invalidAnnotation(AnnotationKey.ippool, 'names no IPv4 or IPv6 IPPool')
  }
  return value
}
