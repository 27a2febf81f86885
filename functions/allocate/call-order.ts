import { AnnotationKey, hasUnnamedIPPools } from '../../shared/annotations/index.ts'
import { claimUnclaimedEntry } from '../../shared/allocate/endpoint-record.ts'
import { ipamResponse, type IpamResponse } from '../../shared/allocate/ipam-response.ts'
import type { SpiderEndpoint } from '../../shared/api/index.ts'
import { IpamError } from '../../shared/errors.ts'
import { retryOnConflict } from '../../shared/store/retry-on-conflict.ts'
import type { Deps } from '../lib/deps.ts'
import type { PodContext } from '../lib/pod-context.ts'
import type { AllocateRequest } from '../../shared/api/ipam/allocate-request.ts'
import { endpointFacts } from './endpoint-facts.ts'

export type CallOrderOutcome = { answer: IpamResponse } | { endpoint: SpiderEndpoint | undefined }

/**
 * Unnamed `ippools` entries map to NICs by call order, as in Spiderpool: the first ADD takes
 * every entry (the allocation that follows), each later ADD of another NIC claims the first
 * entry no NIC has claimed, by a conditional write of the endpoint. Read from etcd: the ADD of
 * the previous NIC wrote it a moment ago. Without entries of this pod yet, the endpoint read is
 * handed back for the allocation to start from.
 */
export async function answerByCallOrder(deps: Deps, ctx: PodContext, request: AllocateRequest): Promise<CallOrderOutcome | undefined> {
  if (!hasUnnamedIPPools(ctx.pod.annotations)) return undefined
  const { namespace, name } = ctx.pod
  const facts = endpointFacts(ctx, request)
  return retryOnConflict(`claim an ippools entry in SpiderEndpoint ${namespace}/${name}`, async (): Promise<CallOrderOutcome> => {
    const endpoint = await deps.store.getEndpoint(namespace, name)
    const ips = endpoint?.status.current.uid === ctx.pod.uid ? endpoint.status.current.ips : []
    if (!endpoint || ips.length === 0) return { endpoint }
    if (ips.some((d) => d.interface === request.ifName)) return { answer: ipamResponse(ips) }
    const claimed = claimUnclaimedEntry(endpoint, facts)
    if (!claimed) {
      throw new IpamError(
        'invalid-annotation',
        `invalid annotation ${AnnotationKey.ippools}: interface ${request.ifName} has no entry: ` +
          `its ${ips.length} unnamed entries are taken by ${ips.map((d) => d.interface).join(', ')}`,
      )
    }
    return { answer: ipamResponse((await deps.store.replaceEndpoint(claimed)).status.current.ips) }
  })
}
