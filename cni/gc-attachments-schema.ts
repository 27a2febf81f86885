import * as v from 'valibot'

/** One entry of `cni.dev/valid-attachments`: a container's interface still in use on this network. */
export const AttachmentSchema = v.object({
  containerID: v.string('expected a container ID string'),
  ifname: v.string('expected an interface name string'),
})

export const AttachmentsSchema = v.array(AttachmentSchema, 'expected an array of attachments')

export type Attachment = v.InferOutput<typeof AttachmentSchema>
