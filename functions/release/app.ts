import { Hono } from 'hono'
import { onIpamError } from '../lib/http-errors.ts'
import { parseBody } from '../lib/parse-body.ts'
import { traceOf } from '../lib/request-trace.ts'
import type { Deps } from '../lib/deps.ts'
import { collectGarbage } from './collect-garbage.ts'
import { GcRequestSchema } from '../../shared/api/ipam/gc-request.ts'
import { releaseIPs } from './release-ips.ts'
import { ReleaseRequestSchema } from '../../shared/api/ipam/release-request.ts'

/** The releasing half of the node-local IPAM API: DELETE /v1/ipam/ip (idempotent) and CNI GC. */
export function createReleaseApp(deps: Deps) {
  const app = new Hono()
  app.onError(onIpamError)
  app.delete('/v1/ipam/ip', async (c) => {
    const result = await releaseIPs(await parseBody(c, ReleaseRequestSchema), deps)
    traceOf(c).ips.push(...result.released)
    return c.json(result)
  })
  app.post('/v1/ipam/gc', async (c) => {
    const result = await collectGarbage(await parseBody(c, GcRequestSchema), deps)
    traceOf(c).ips.push(...result.released)
    return c.json(result)
  })
  return app
}
