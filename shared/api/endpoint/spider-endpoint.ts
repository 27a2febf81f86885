import * as v from 'valibot'
import { API_VERSION, KIND } from '../constants.ts'
import { ObjectMetaSchema } from '../common/object-meta.ts'
import { parseResource } from '../common/parse-resource.ts'
import { EndpointStatusSchema } from './endpoint-status.ts'

/**
 * Namespaced, named like its pod. It has no spec and no status subresource: the record is created
 * with its status in one write, so status is required.
 */
export const SpiderEndpointSchema = v.object({
  apiVersion: v.optional(v.literal(API_VERSION)),
  kind: v.optional(v.literal(KIND.endpoint)),
  metadata: ObjectMetaSchema,
  status: EndpointStatusSchema,
})
export type SpiderEndpoint = v.InferOutput<typeof SpiderEndpointSchema>

/** @throws IpamError('invalid-resource', "SpiderEndpoint <name>: <path>: <issue>") */
export const parseSpiderEndpoint = (input: unknown): SpiderEndpoint => parseResource(SpiderEndpointSchema, KIND.endpoint, input)
