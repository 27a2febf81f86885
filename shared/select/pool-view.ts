import type { LabelSelector } from '../api/index.ts'

/**
 * What selection needs to know of a SpiderIPPool; the CRD types adapt to this, so selection
 * does not depend on how the API objects are stored.
 */
export interface PoolView {
  readonly name: string
  readonly ipVersion: 4 | 6
  /** metadata.deletionTimestamp is set. */
  readonly terminating: boolean
  readonly disable: boolean
  readonly default: boolean
  readonly nodeName?: readonly string[]
  readonly nodeAffinity?: LabelSelector
  readonly namespaceName?: readonly string[]
  readonly namespaceAffinity?: LabelSelector
  readonly podAffinity?: LabelSelector
  /** `ns/name` or a bare name (in the project's namespace) of NetworkAttachmentDefinitions. */
  readonly multusName?: readonly string[]
  /**
   * An auto pool made from a SpiderSubnet (it carries the owner-application labels). Its
   * podAffinity names the application, not pod labels, and is matched against the pod's
   * top controller.
   */
  readonly autoCreated?: boolean
}

export type IPVersion = 4 | 6
