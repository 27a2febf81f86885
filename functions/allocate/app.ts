import { Hono } from 'hono'
import type { Deps } from '../lib/deps.ts'
import { onIpamError } from '../lib/http-errors.ts'
import { parseBody, parseInput } from '../lib/parse-body.ts'
import { traceOf } from '../lib/request-trace.ts'
import { allocateIPs } from './allocate-ips.ts'
import { AllocateRequestSchema } from '../../shared/api/ipam/allocate-request.ts'
import { CheckQuerySchema } from '../../shared/api/ipam/check-query.ts'
import { checkIPs } from './check-ips.ts'

/**
 * The allocating half of the node-local IPAM API (Spiderpool agent compatible).
 * @example createAllocateApp(deps).request('/v1/ipam/ip', { method: 'POST', body })
 */
export function createAllocateApp(deps: Deps) {
  const app = new Hono()
  app.onError(onIpamError)
  app.get('/v1/ipam/healthy', (c) => c.json({ healthy: true }))
  app.post('/v1/ipam/ip', async (c) => c.json(await allocateIPs(await parseBody(c, AllocateRequestSchema), deps, traceOf(c))))
  app.get('/v1/ipam/ip', async (c) => c.json(await checkIPs(parseInput(CheckQuerySchema, c.req.query(), 'query'), deps)))
  return app
}
