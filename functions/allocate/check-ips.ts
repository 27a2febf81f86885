import type { CheckQuery } from '../../shared/api/ipam/check-query.ts'
import { ipamResponse, type IpamResponse } from '../../shared/allocate/ipam-response.ts'
import { IpamError } from '../../shared/errors.ts'
import type { Deps } from '../lib/deps.ts'

/**
 * GET /v1/ipam/ip (CNI CHECK): the pod's current allocation, read only. 404 when this pod
 * incarnation holds nothing on that NIC.
 */
export async function checkIPs(query: CheckQuery, deps: Deps): Promise<IpamResponse> {
  const endpoint = await deps.store.getEndpoint(query.podNamespace, query.podName)
  const current = endpoint?.status.current
  if (!current || current.uid !== query.podUID || !current.ips.some((d) => d.interface === query.ifName)) {
    throw new IpamError('not-found', `no allocation for pod ${query.podNamespace}/${query.podName} (${query.podUID}) on ${query.ifName}`)
  }
  return ipamResponse(current.ips)
}
