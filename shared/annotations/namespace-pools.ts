import { AnnotationKey, type Annotations } from './keys.ts'
import { NameListSchema } from './names-schema.ts'
import { parseJsonAnnotation } from './parse-json.ts'

/** A namespace's default pools (wildcards not yet expanded); both empty when it sets none. */
export interface NamespacePools {
  readonly ipv4: readonly string[]
  readonly ipv6: readonly string[]
}

/** Read `ipam.spidernet.io/default-ipv4-ippool` and `default-ipv6-ippool` from a namespace. */
export const parseNamespaceDefaultPools = (namespaceAnnotations: Annotations): NamespacePools => {
  const read = (key: string): string[] => {
    const raw = namespaceAnnotations[key]
    return raw === undefined ? [] : parseJsonAnnotation(key, raw, NameListSchema)
  }
  return { ipv4: read(AnnotationKey.defaultIPv4IPPool), ipv6: read(AnnotationKey.defaultIPv6IPPool) }
}
