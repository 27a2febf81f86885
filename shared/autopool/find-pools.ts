import { LABEL, LABEL_VALUE_IP_VERSION, type SpiderIPPool } from '../api/index.ts'
import type { AppRef } from '../select/app-labels.ts'
import { applicationLabelGV, type AutoPoolApp } from './application.ts'
import type { AutoPoolWant } from './intent.ts'

/** Whether the pool's owner labels name this application (any incarnation of it). */
export const isAutoPoolOf = (pool: SpiderIPPool, app: AppRef): boolean => {
  const labels = pool.metadata.labels ?? {}
  return (
    labels[LABEL.ownerApplicationGV] === applicationLabelGV(app.apiVersion) &&
    labels[LABEL.ownerApplicationKind] === app.kind &&
    labels[LABEL.ownerApplicationNamespace] === app.namespace &&
    labels[LABEL.ownerApplicationName] === app.name
  )
}

const reclaimed = (pool: SpiderIPPool): boolean => pool.metadata.labels?.[LABEL.ippoolReclaim] !== 'false'
const uidOf = (pool: SpiderIPPool): string | undefined => pool.metadata.labels?.[LABEL.ownerApplicationUID]

const serves = (pool: SpiderIPPool, want: AutoPoolWant): boolean => {
  const labels = pool.metadata.labels ?? {}
  return labels[LABEL.interface] === want.nic && labels[LABEL.ipVersion] === (want.family === 4 ? LABEL_VALUE_IP_VERSION.v4 : LABEL_VALUE_IP_VERSION.v6)
}

/**
 * The application's auto pool for one NIC and family: the one labelled with its UID, else one a
 * predecessor of the same name and kind kept (`ippool-reclaim: "false"`), which it takes over, as
 * Spiderpool does. A predecessor's pool that is reclaimed is never taken: it goes with its
 * application. Among several, the first by name, so every process picks the same one.
 */
export function findAutoPool(pools: readonly SpiderIPPool[], app: AutoPoolApp, want: AutoPoolWant): SpiderIPPool | undefined {
  const candidates = pools.filter((p) => isAutoPoolOf(p, app) && serves(p, want)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
  return candidates.find((p) => uidOf(p) === app.uid) ?? candidates.find((p) => !reclaimed(p))
}

/**
 * Auto pools to delete for an application: those of an incarnation other than `live` (none when
 * the application is gone) that are reclaimed. Kept pools stay for a successor; pools being
 * deleted already are left to finish.
 */
export function poolsToReclaim(pools: readonly SpiderIPPool[], app: AppRef, live: AutoPoolApp | undefined): SpiderIPPool[] {
  return pools.filter(
    (p) => isAutoPoolOf(p, app) && reclaimed(p) && p.metadata.deletionTimestamp === undefined && (live === undefined || uidOf(p) !== live.uid),
  )
}
