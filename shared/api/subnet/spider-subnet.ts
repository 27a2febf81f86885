import * as v from 'valibot'
import { API_VERSION, KIND } from '../constants.ts'
import { ObjectMetaSchema } from '../common/object-meta.ts'
import { parseResource } from '../common/parse-resource.ts'
import { SubnetSpecSchema } from './subnet-spec.ts'
import { SubnetStatusSchema } from './subnet-status.ts'

/** Same envelope rules as SpiderIPPoolSchema. */
export const SpiderSubnetSchema = v.object({
  apiVersion: v.optional(v.literal(API_VERSION)),
  kind: v.optional(v.literal(KIND.subnet)),
  metadata: ObjectMetaSchema,
  spec: SubnetSpecSchema,
  status: v.optional(SubnetStatusSchema, {}),
})
export type SpiderSubnet = v.InferOutput<typeof SpiderSubnetSchema>

/** @throws IpamError('invalid-resource', "SpiderSubnet <name>: <path>: <issue>") */
export const parseSpiderSubnet = (input: unknown): SpiderSubnet => parseResource(SpiderSubnetSchema, KIND.subnet, input)
