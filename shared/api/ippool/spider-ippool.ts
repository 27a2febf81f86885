import * as v from 'valibot'
import { API_VERSION, KIND } from '../constants.ts'
import { ObjectMetaSchema } from '../common/object-meta.ts'
import { parseResource } from '../common/parse-resource.ts'
import { IPPoolSpecSchema } from './ippool-spec.ts'
import { IPPoolStatusSchema } from './ippool-status.ts'

/**
 * apiVersion and kind are optional (some list responses omit them per item) but, when present,
 * must be right: a SpiderSubnet handed to parseSpiderIPPool is refused, not misread.
 * A missing status reads as `{}`, so readers need no `?.`.
 */
export const SpiderIPPoolSchema = v.object({
  apiVersion: v.optional(v.literal(API_VERSION)),
  kind: v.optional(v.literal(KIND.ipPool)),
  metadata: ObjectMetaSchema,
  spec: IPPoolSpecSchema,
  status: v.optional(IPPoolStatusSchema, {}),
})
export type SpiderIPPool = v.InferOutput<typeof SpiderIPPoolSchema>

/** @throws IpamError('invalid-resource', "SpiderIPPool <name>: <path>: <issue>") */
export const parseSpiderIPPool = (input: unknown): SpiderIPPool => parseResource(SpiderIPPoolSchema, KIND.ipPool, input)
