/** Builders for the auto-pool tests (here and in functions/reconcile-autopool). Not exported from index.ts. */
import { FINALIZER, parseSpiderSubnet, serializeAllocatedIPs, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import type { AutoPoolApp } from './application.ts'
import { newAutoPool } from './desired-pool.ts'
import type { AutoPoolIntent, AutoPoolWant } from './intent.ts'

export const web: AutoPoolApp = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web', uid: '11111111-2222-3333-4444-555555555555' }
export const db: AutoPoolApp = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'default', name: 'db', uid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }

export const want4: AutoPoolWant = { nic: 'eth0', family: 4, subnet: 'subnet-9' }

export const intentOf = (size: number, extra: Partial<AutoPoolIntent> = {}) => ({ size, reclaim: true, ipNumber: '+2', ...extra })

/** A SpiderSubnet as the API server returns it, with a UID and controlledIPPools entries. */
export const subnet9 = (
  entries: Record<string, { ips: string[]; application?: string }> = {},
  spec: Record<string, unknown> = {},
  metadata: Record<string, unknown> = {},
): SpiderSubnet =>
  parseSpiderSubnet({
    metadata: { name: 'subnet-9', uid: 'subnet-9-uid', resourceVersion: '1', finalizers: [FINALIZER], ...metadata },
    spec: { ipVersion: 4, subnet: '10.9.0.0/24', ips: ['10.9.0.1-10.9.0.20'], gateway: '10.9.0.254', ...spec },
    status: Object.keys(entries).length > 0 ? { controlledIPPools: JSON.stringify(entries) } : {},
  })

/** The application's auto pool as the reconcile makes it, with these IPs, excludes and records. */
export const autoPool = (
  app: AutoPoolApp,
  ips: string[],
  extra: { excludeIPs?: string[]; used?: string[]; name?: string; labels?: Record<string, string>; ipNumber?: string } = {},
): SpiderIPPool => {
  const pool = newAutoPool({
    name: extra.name ?? `auto4-${app.name}-eth0-55555`,
    app,
    want: want4,
    intent: { reclaim: true, ipNumber: extra.ipNumber ?? '+2' },
    subnet: subnet9(),
    ips,
  })
  const records = Object.fromEntries((extra.used ?? []).map((ip, i) => [ip, { pod: `default/${app.name}-${i}`, podUid: `pod-${i}` }]))
  return {
    ...pool,
    metadata: { ...pool.metadata, uid: `${pool.metadata.name}-uid`, resourceVersion: '1', labels: { ...pool.metadata.labels, ...extra.labels } },
    spec: { ...pool.spec, ...(extra.excludeIPs ? { excludeIPs: extra.excludeIPs } : {}) },
    status: { ...(extra.used?.length ? { allocatedIPs: serializeAllocatedIPs(records) } : {}), allocatedIPCount: extra.used?.length ?? 0 },
  }
}
