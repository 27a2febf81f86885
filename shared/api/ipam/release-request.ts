import * as v from 'valibot'
import { PodRequestFields } from './request-fields.ts'

/** DELETE /v1/ipam/ip, as Spiderpool's IPAM plugin sends it. */
export const ReleaseRequestSchema = v.object(PodRequestFields)
export type ReleaseRequest = v.InferOutput<typeof ReleaseRequestSchema>
/** What a client sends (the plugin): the schema's input side. */
export type ReleaseRequestBody = v.InferInput<typeof ReleaseRequestSchema>
