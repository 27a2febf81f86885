import * as v from 'valibot'

const OwnerReferenceSchema = v.object({
  apiVersion: v.string(),
  kind: v.string(),
  name: v.string(),
  uid: v.string(),
  controller: v.optional(v.boolean()),
  blockOwnerDeletion: v.optional(v.boolean()),
})
export type OwnerReference = v.InferOutput<typeof OwnerReferenceSchema>

/**
 * The part of metav1.ObjectMeta that Spinneret reads, as the API server sends it in JSON
 * (timestamps are RFC 3339 strings). Loose on purpose: managedFields, generateName and whatever
 * later Kubernetes versions add are kept, never a reason to refuse an object.
 */
export const ObjectMetaSchema = v.looseObject({
  name: v.string(),
  namespace: v.optional(v.string()),
  uid: v.optional(v.string()),
  resourceVersion: v.optional(v.string()),
  generation: v.optional(v.number()),
  creationTimestamp: v.optional(v.string()),
  deletionTimestamp: v.optional(v.string()),
  labels: v.optional(v.record(v.string(), v.string())),
  annotations: v.optional(v.record(v.string(), v.string())),
  finalizers: v.optional(v.array(v.string())),
  ownerReferences: v.optional(v.array(OwnerReferenceSchema)),
})
export type ObjectMeta = v.InferOutput<typeof ObjectMetaSchema>
