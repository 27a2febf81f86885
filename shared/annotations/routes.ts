import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { parseJsonAnnotation } from './parse-json.ts'

const NonEmpty = v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty'))

/**
 * `ipam.spidernet.io/routes`: extra routes, each attached later to the NIC whose subnet holds
 * `gw`. Only the shape is checked here; whether `dst` is a CIDR and `gw` an IP of the same
 * family is the IP module's job, done by the caller.
 */
export const RoutesAnnotationSchema = v.nullish(
  v.array(jsonObject({ dst: NonEmpty, gw: NonEmpty }), 'must be a JSON list'),
  [],
)

export type AnnotationRoute = v.InferOutput<typeof RoutesAnnotationSchema>[number]

export const parseRoutesAnnotation = (raw: string): AnnotationRoute[] =>
  parseJsonAnnotation(AnnotationKey.routes, raw, RoutesAnnotationSchema)
