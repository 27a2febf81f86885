/** Builders for the reconcile tests (here and in functions/reconcile-*). Not exported from index.ts. */
import {
  FINALIZER,
  LABEL,
  parseSpiderIPPool,
  parseSpiderSubnet,
  serializeAllocatedIPs,
  type AllocatedIPs,
  type ObjectMeta,
  type SpiderIPPool,
  type SpiderSubnet,
} from '../api/index.ts'
import { IpamError } from '../errors.ts'

type Spec = Record<string, unknown>
type Extras = { metadata?: Partial<ObjectMeta>; status?: Record<string, unknown> }

/** A pool as the API server would return it (parsed, defaults applied), finalizer included. */
export const pool = (name: string, spec: Spec, extras: Extras = {}): SpiderIPPool =>
  parseSpiderIPPool({
    metadata: { name, finalizers: [FINALIZER], ...extras.metadata },
    spec: { subnet: '10.6.0.0/16', ...spec },
    status: extras.status ?? {},
  })

export const subnet = (name: string, spec: Spec, extras: Extras = {}): SpiderSubnet =>
  parseSpiderSubnet({
    metadata: { name, finalizers: [FINALIZER], ...extras.metadata },
    spec: { subnet: '10.6.0.0/16', ...spec },
    status: extras.status ?? {},
  })

/** `n` allocation records on consecutive IPs from 10.6.0.<first>. */
export const allocations = (n: number, first = 1): string | undefined => {
  const records: AllocatedIPs = {}
  for (let i = 0; i < n; i++) records[`10.6.0.${first + i}`] = { pod: `default/pod-${i}`, podUid: `uid-${i}` }
  return serializeAllocatedIPs(records)
}

/** Owner labels Spiderpool puts on an auto pool. */
export const ownerLabels = (gv: string, kind: string, namespace: string, name: string) => ({
  [LABEL.ownerApplicationGV]: gv,
  [LABEL.ownerApplicationKind]: kind,
  [LABEL.ownerApplicationNamespace]: namespace,
  [LABEL.ownerApplicationName]: name,
})

export const TERMINATING = '2024-05-01T10:00:00Z'

/** What an IpamError said, or a failure when nothing (or something else) was thrown. */
export const refusal = (f: () => unknown): { code: string; message: string } => {
  try {
    f()
  } catch (e) {
    if (e instanceof IpamError) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected an IpamError, but nothing was thrown')
}
