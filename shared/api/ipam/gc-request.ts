import * as v from 'valibot'
import { NonEmpty as Name } from './request-fields.ts'

/** POST /v1/ipam/gc: CNI GC's `cni.dev/valid-attachments` for one network, as the plugin sends it. */
export const GcRequestSchema = v.object({
  network: Name,
  validAttachments: v.array(v.object({ containerID: Name, ifName: Name })),
})
export type GcRequest = v.InferOutput<typeof GcRequestSchema>
/** What a client sends (the plugin): the schema's input side. */
export type GcRequestBody = v.InferInput<typeof GcRequestSchema>
