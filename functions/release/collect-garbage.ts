import { parseAttachments, staleNics } from '../../shared/allocate/attachments.ts'
import { IpamError } from '../../shared/errors.ts'
import type { Deps } from '../lib/deps.ts'
import type { GcRequest } from '../../shared/api/ipam/gc-request.ts'
import { releaseIPs } from './release-ips.ts'

/** An ADD still in flight may be missing from the runtime's list: attachments younger than this are kept. */
export const GC_GRACE_MS = 60_000

/**
 * POST /v1/ipam/gc (CNI GC): releases this node's attachments of `network` that the runtime no
 * longer lists. Each release goes through releaseIPs, so the UID rule and the StatefulSet rule
 * hold here too. NICs whose network was never recorded are left to the server-side scan.
 */
export async function collectGarbage(request: GcRequest, deps: Deps, now = Date.now()): Promise<{ released: string[] }> {
  const node = deps.config.nodeName
  if (!node) throw new IpamError('invalid-request', 'CNI GC needs the service to know its node: set NODE_NAME')
  const valid = new Set(request.validAttachments.map((a) => `${a.containerID}/${a.ifName}`))
  const released: string[] = []
  for (const endpoint of await deps.store.listEndpoints()) {
    const current = endpoint.status.current
    if (current.node !== node) continue
    const attachments = parseAttachments(endpoint.metadata.annotations)
    for (const nic of staleNics(attachments, { network: request.network, valid, now, graceMs: GC_GRACE_MS })) {
      const result = await releaseIPs(
        {
          containerID: attachments[nic]?.containerID ?? '',
          ifName: nic,
          podNamespace: endpoint.metadata.namespace ?? '',
          podName: endpoint.metadata.name,
          podUID: current.uid,
        },
        deps,
      )
      released.push(...result.released)
    }
  }
  return { released }
}
