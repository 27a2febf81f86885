import * as v from 'valibot'
import { NonEmpty as Name } from './request-fields.ts'

/** GET /v1/ipam/ip (CNI CHECK): which pod incarnation and NIC to look up. */
export const CheckQuerySchema = v.object({ podNamespace: Name, podName: Name, podUID: Name, ifName: Name })
export type CheckQuery = v.InferOutput<typeof CheckQuerySchema>
/** What a client sends: the schema's input side, so client and service cannot drift apart. */
export type CheckQueryInput = v.InferInput<typeof CheckQuerySchema>
