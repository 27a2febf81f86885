import * as v from 'valibot'
import { API_VERSION, KIND } from '../constants.ts'
import { ObjectMetaSchema } from '../common/object-meta.ts'
import { parseResource } from '../common/parse-resource.ts'
import { ReservedIPSpecSchema } from './reserved-ip-spec.ts'

/** No status: a reserved-IP object is pure intent. Every spec field is optional, so spec may be too. */
export const SpiderReservedIPSchema = v.object({
  apiVersion: v.optional(v.literal(API_VERSION)),
  kind: v.optional(v.literal(KIND.reservedIP)),
  metadata: ObjectMetaSchema,
  spec: v.optional(ReservedIPSpecSchema, {}),
})
export type SpiderReservedIP = v.InferOutput<typeof SpiderReservedIPSchema>

/** @throws IpamError('invalid-resource', "SpiderReservedIP <name>: <path>: <issue>") */
export const parseSpiderReservedIP = (input: unknown): SpiderReservedIP => parseResource(SpiderReservedIPSchema, KIND.reservedIP, input)
