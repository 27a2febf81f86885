import type { EndpointFacts } from '../../shared/allocate/endpoint-record.ts'
import type { PodContext } from '../lib/pod-context.ts'
import type { AllocateRequest } from '../../shared/api/ipam/allocate-request.ts'

/** What a SpiderEndpoint write of this ADD records besides the addresses. */
export const endpointFacts = (ctx: PodContext, request: AllocateRequest): EndpointFacts => ({
  pod: ctx.pod,
  node: ctx.node.name,
  owner: ctx.app,
  outlivesPod: ctx.statefulSet !== undefined,
  attachment: request,
  now: new Date().toISOString(),
})
