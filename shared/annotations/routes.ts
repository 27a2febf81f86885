import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { parseCidr, tryParseIp } from '../ip/index.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

const NonEmpty = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'))

/**
 * `ipam.spidernet.io/routes`: extra routes, each attached later to the first NIC whose subnet
 * holds `gw` (see annotationRoutesByNic).
 */
export const RoutesAnnotationSchema = v.nullish(v.array(jsonObject({ dst: NonEmpty, gw: NonEmpty }), 'must be a JSON list'), [])

export type AnnotationRoute = v.InferOutput<typeof RoutesAnnotationSchema>[number]

// Spiderpool's IsRouteWithoutIPVersion: a CIDR and a gateway address of the same family.
const isRoute = ({ dst, gw }: AnnotationRoute): boolean => {
  const gateway = tryParseIp(gw)
  try {
    return gateway !== undefined && parseCidr(dst).family === gateway.family
  } catch {
    return false
  }
}

/** Parses the annotation and refuses, as Spiderpool does, a route that is not a CIDR via an address of its family. */
export const parseRoutesAnnotation = (raw: string): AnnotationRoute[] => {
  const routes = parseJsonAnnotation(AnnotationKey.routes, raw, RoutesAnnotationSchema)
  const bad = routes.find((r) => !isRoute(r))
  if (bad) throw invalidAnnotation(AnnotationKey.routes, `invalid route format 'dst: ${bad.dst}, gw: ${bad.gw}'`)
  return routes
}
