import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { parseCidr, tryParseIp } from '../ip/index.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

const NonEmpty = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'))

/**
 * `ipam.spidernet.io/routes`: extra routes, each attached later to the NIC whose subnet holds
 * `gw`. The schema checks the shape; parseRoutesAnnotation also checks that `dst` is a CIDR and
 * `gw` an IP of its family, since the routes go into the SpiderEndpoint and the CNI result.
 */
export const RoutesAnnotationSchema = v.nullish(
  v.array(jsonObject({ dst: NonEmpty, gw: NonEmpty }), 'must be a JSON list'),
  [],
)

export type AnnotationRoute = v.InferOutput<typeof RoutesAnnotationSchema>[number]

export const parseRoutesAnnotation = (raw: string): AnnotationRoute[] => {
  const key = AnnotationKey.routes
  const routes = parseJsonAnnotation(key, raw, RoutesAnnotationSchema)
  for (const [i, route] of routes.entries()) {
    let dst
    try {
      dst = parseCidr(route.dst)
    } catch {
      throw invalidAnnotation(key, `[${i}].dst: ${JSON.stringify(route.dst)} is not a CIDR`)
    }
    const gw = tryParseIp(route.gw)
    if (gw === undefined) throw invalidAnnotation(key, `[${i}].gw: ${JSON.stringify(route.gw)} is not an IP address`)
    if (gw.family !== dst.family) {
      throw invalidAnnotation(key, `[${i}]: dst ${route.dst} is IPv${dst.family}, gw ${route.gw} is IPv${gw.family}`)
    }
  }
  return routes
}
