import * as v from 'valibot'
import { addressEntries } from '../common/address-entries.ts'
import { LabelSelectorSchema } from '../common/label-selector.ts'

/**
 * `default` and `disable` default to false here as in the CRD (where the API server applies it),
 * so readers see a boolean whether or not the object went through the API server. No `vlan`, as
 * in Spiderpool v1.2: an older object's is dropped on parse (and pruned by the API server).
 */
export const IPPoolSpecSchema = v.object({
  ...addressEntries,
  podAffinity: v.optional(LabelSelectorSchema),
  namespaceAffinity: v.optional(LabelSelectorSchema),
  /** When non-empty it replaces `namespaceAffinity`. */
  namespaceName: v.optional(v.array(v.string())),
  nodeAffinity: v.optional(LabelSelectorSchema),
  /** When non-empty it replaces `nodeAffinity`. */
  nodeName: v.optional(v.array(v.string())),
  /** `ns/name` of NetworkAttachmentDefinitions; a bare name means the project's namespace. */
  multusName: v.optional(v.array(v.string())),
  default: v.optional(v.boolean(), false),
  disable: v.optional(v.boolean(), false),
})
export type IPPoolSpec = v.InferOutput<typeof IPPoolSpecSchema>
