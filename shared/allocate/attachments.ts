import * as v from 'valibot'

/**
 * Which container and CNI network each NIC of a pod was set up for, kept in an annotation of
 * the pod's SpiderEndpoint (the v2beta1 status has no field for it). CNI GC names the
 * attachments that are still in use by (containerID, ifName) per network, so these are the
 * facts needed to find the ones that are not.
 */
export const ATTACHMENTS_ANNOTATION = 'spinneret.dev/cni-attachments'

const AttachmentSchema = v.object({
  containerID: v.string(),
  /** Unknown for a NIC set up by another NIC's ADD (ippools): such a NIC is never GC'd by CNI GC. */
  network: v.optional(v.string()),
  /** RFC 3339: when the ADD recorded it; a young attachment may not be in the runtime's list yet. */
  since: v.string(),
})
const AttachmentsSchema = v.record(v.string(), AttachmentSchema)
export type Attachments = v.InferOutput<typeof AttachmentsSchema>

/** A missing or unreadable annotation reads as "nothing known", which GC treats as "keep". */
export const parseAttachments = (annotations: Readonly<Record<string, string>> | undefined): Attachments => {
  const raw = annotations?.[ATTACHMENTS_ANNOTATION]
  if (!raw) return {}
  try {
    const result = v.safeParse(AttachmentsSchema, JSON.parse(raw))
    return result.success ? result.output : {}
  } catch {
    return {}
  }
}

/**
 * Records the NICs one ADD set up: the requested NIC with its network, the others (set up by the
 * same call) with the container only, keeping a network learnt earlier.
 */
export const recordAttachments = (
  known: Attachments,
  nics: readonly string[],
  request: { ifName: string; containerID: string; network?: string },
  now: string,
): Attachments => {
  const next: Attachments = { ...known }
  for (const nic of nics) {
    const before = known[nic]
    const sameContainer = before?.containerID === request.containerID
    const network = nic === request.ifName ? request.network : sameContainer ? before?.network : undefined
    next[nic] = {
      containerID: request.containerID,
      ...(network ? { network } : {}),
      since: sameContainer && before ? before.since : now,
    }
  }
  return next
}

export interface GcScope {
  network: string
  /** `${containerID}/${ifName}` of every attachment the runtime still uses on this network. */
  valid: ReadonlySet<string>
  now: number
  graceMs: number
}

/** The NICs whose attachment belongs to the network, is not in use, and is old enough to judge. */
export const staleNics = (attachments: Attachments, scope: GcScope): string[] =>
  Object.entries(attachments)
    .filter(([nic, a]) => a.network === scope.network && !scope.valid.has(`${a.containerID}/${nic}`) && scope.now - Date.parse(a.since) >= scope.graceMs)
    .map(([nic]) => nic)
