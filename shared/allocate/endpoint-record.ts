import { FINALIZER, type IPAllocationDetail, type SpiderEndpoint } from '../api/index.ts'
import { isUnclaimedNic } from '../annotations/multi-nic.ts'
import { ATTACHMENTS_ANNOTATION, parseAttachments, recordAttachments } from './attachments.ts'

export interface EndpointFacts {
  pod: { namespace: string; name: string; uid: string }
  node: string
  /** The pod's top controller (the pod itself when it has none). */
  owner: { kind: string; name: string }
  /** A StatefulSet pod's endpoint outlives the pod, so the next incarnation gets the same IPs. */
  outlivesPod: boolean
  /** The ADD that set these NICs up: recorded for CNI GC. */
  attachment: { ifName: string; containerID: string; network?: string }
  now: string
}

/**
 * The SpiderEndpoint a pod has after an allocation set up `details` (some of its NICs): the
 * entries of its other NICs are kept when the endpoint is this pod's (same UID), replaced when it
 * belonged to an earlier pod of that name. Undefined when the endpoint already says all of it, so
 * a retried ADD writes nothing.
 */
export function nextEndpoint(existing: SpiderEndpoint | undefined, facts: EndpointFacts, details: readonly IPAllocationDetail[]): SpiderEndpoint | undefined {
  const { pod } = facts
  const ours = existing?.status.current.uid === pod.uid ? existing : undefined
  const nics = new Set(details.map((d) => d.interface))
  // Unclaimed `ippools` entries are recorded with an empty interface, in entry order (Spiderpool's
  // shape); a write that carries them replaces those recorded before.
  const unclaimed = [...nics].some(isUnclaimedNic)
  const kept = ours ? ours.status.current.ips.filter((d) => !nics.has(d.interface) && !(unclaimed && d.interface === '')) : []
  const written = details.map((d) => (isUnclaimedNic(d.interface) ? { ...d, interface: '' } : d))
  const status = {
    current: { uid: pod.uid, node: facts.node, ips: [...kept, ...written] },
    ownerControllerType: facts.owner.kind,
    ownerControllerName: facts.owner.name,
  }
  const knownAttachments = parseAttachments(ours?.metadata.annotations)
  const attachments = recordAttachments(
    knownAttachments,
    [...nics].filter((nic) => !isUnclaimedNic(nic)),
    facts.attachment,
    facts.now,
  )
  if (ours && sameContent(byNic(ours.status), byNic(status)) && sameContent(knownAttachments, attachments)) return undefined
  return withAttachments(existing, facts, status, attachments)
}

/**
 * A later ADD of a pod whose `ippools` entries are unnamed: its NIC takes the first entry no NIC
 * has claimed (Spiderpool's UpdateAllocationNICName). Undefined when the NIC holds an entry
 * already (nothing to write) or when no entry is left (the caller refuses).
 */
export function claimUnclaimedEntry(existing: SpiderEndpoint, facts: EndpointFacts): SpiderEndpoint | undefined {
  const nic = facts.attachment.ifName
  const ips = existing.status.current.ips
  const free = ips.findIndex((d) => d.interface === '')
  if (ips.some((d) => d.interface === nic) || free < 0) return undefined
  const claimed = ips.map((d, i) => (i === free ? { ...d, interface: nic } : d))
  const status = { ...existing.status, current: { ...existing.status.current, ips: claimed } }
  const attachments = recordAttachments(parseAttachments(existing.metadata.annotations), [nic], facts.attachment, facts.now)
  return withAttachments(existing, facts, status, attachments)
}

function withAttachments(
  existing: SpiderEndpoint | undefined,
  facts: EndpointFacts,
  status: SpiderEndpoint['status'],
  attachments: ReturnType<typeof recordAttachments>,
): SpiderEndpoint {
  const { pod } = facts
  return {
    metadata: {
      ...(existing?.metadata ?? {}),
      annotations: { ...(existing?.metadata.annotations ?? {}), [ATTACHMENTS_ANNOTATION]: JSON.stringify(attachments) },
      name: pod.name,
      namespace: pod.namespace,
      finalizers: [FINALIZER],
      ownerReferences: facts.outlivesPod ? [] : [{ apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid, controller: true, blockOwnerDeletion: true }],
    },
    status,
  }
}

// Compared by content: the API server may hand fields back in another order.
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([x], [y]) => x.localeCompare(y))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value
const sameContent = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))

const byNic = (s: SpiderEndpoint['status']) => ({
  ...s,
  current: { ...s.current, ips: [...s.current.ips].sort((x, y) => x.interface.localeCompare(y.interface)) },
})
