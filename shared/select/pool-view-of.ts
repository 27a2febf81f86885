import { KIND, LABEL, type SpiderIPPool } from '../api/index.ts'
import { familyOf } from '../api/address-space.ts'
import type { PoolView } from './pool-view.ts'

/** What selection sees of a SpiderIPPool. */
export const poolViewOf = (pool: SpiderIPPool): PoolView => {
  const { spec, metadata } = pool
  return {
    name: metadata.name,
    ipVersion: familyOf(spec, { kind: KIND.ipPool, name: metadata.name }),
    terminating: metadata.deletionTimestamp !== undefined,
    disable: spec.disable,
    default: spec.default,
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    ...(spec.nodeAffinity ? { nodeAffinity: spec.nodeAffinity } : {}),
    ...(spec.namespaceName ? { namespaceName: spec.namespaceName } : {}),
    ...(spec.namespaceAffinity ? { namespaceAffinity: spec.namespaceAffinity } : {}),
    ...(spec.podAffinity ? { podAffinity: spec.podAffinity } : {}),
    ...(spec.multusName ? { multusName: spec.multusName } : {}),
    autoCreated: metadata.labels?.[LABEL.ownerApplicationName] !== undefined,
  }
}
