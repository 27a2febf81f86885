import * as v from 'valibot'

export const LabelSelectorOperatorSchema = v.picklist(['In', 'NotIn', 'Exists', 'DoesNotExist'])
export type LabelSelectorOperator = v.InferOutput<typeof LabelSelectorOperatorSchema>

const RequirementSchema = v.object({
  key: v.string(),
  operator: LabelSelectorOperatorSchema,
  values: v.optional(v.pipe(v.array(v.string()), v.metadata({ openapi: { 'x-kubernetes-list-type': 'atomic' } }))),
})

/**
 * metav1.LabelSelector. The `openapi` metadata mirrors what Kubernetes declares for it, so that
 * server-side apply replaces a selector as a whole instead of merging two users' selectors.
 */
export const LabelSelectorSchema = v.pipe(
  v.object({
    matchLabels: v.optional(v.record(v.string(), v.string())),
    matchExpressions: v.optional(v.pipe(v.array(RequirementSchema), v.metadata({ openapi: { 'x-kubernetes-list-type': 'atomic' } }))),
  }),
  v.metadata({ openapi: { 'x-kubernetes-map-type': 'atomic' } }),
)
export type LabelSelector = v.InferOutput<typeof LabelSelectorSchema>
