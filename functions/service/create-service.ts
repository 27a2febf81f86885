import { Hono } from 'hono'
import { createAllocateApp } from '../allocate/app.ts'
import type { Deps } from '../lib/deps.ts'
import { createReleaseApp } from '../release/app.ts'
import { IpamError } from '../../shared/errors.ts'
import { onIpamError } from '../lib/http-errors.ts'
import type { Liveness } from './liveness.ts'
import type { ServiceMetrics } from './metrics.ts'
import type { Readiness } from './readiness.ts'
import { requestLog, type RequestLogOptions } from './request-log.ts'

/** The readiness gate's refusal: the service cannot serve; nothing is said about the pod. */
class NotReady extends IpamError {
  constructor(problems: string[]) {
    super('try-again', `IPAM service not ready: ${problems.join('; ')}`)
  }
}

/**
 * The node-local IPAM API: the allocate and release functions behind one router. While the
 * service is not ready (API server unreachable, CRDs missing, watches not yet listed) every call,
 * the health check included, is answered "try again": the runtime retries, and nothing is
 * decided on a world the service cannot see. In the shape the caller reads (see onIpamError):
 * Spiderpool's plugin gets the 500 its agent gives when unhealthy.
 */
export function createIpamApp(deps: Deps, readiness?: Pick<Readiness, 'current'>, observe?: Omit<RequestLogOptions, 'isNotReady'>) {
  const app = new Hono()
  app.onError(onIpamError)
  if (observe) app.use(requestLog({ ...observe, isNotReady: (e) => e instanceof NotReady }))
  if (readiness) {
    app.use(async (_c, next) => {
      const { ready, problems } = readiness.current()
      if (!ready) throw new NotReady(problems)
      await next()
    })
  }
  app.route('/', createAllocateApp(deps))
  app.route('/', createReleaseApp(deps))
  return app
}

/**
 * Health on TCP (loopback by default): `/healthz` is liveness (the process runs and its event
 * loop is not stalled), `/readyz` readiness (it can serve IPAM: see readiness.ts).
 */
export function createOpsApp(readiness?: Pick<Readiness, 'current'>, liveness?: Pick<Liveness, 'current'>) {
  const app = new Hono()
  app.get('/healthz', (c) => {
    const { alive, problem } = liveness?.current() ?? { alive: true }
    return alive ? c.text('ok') : c.text(`${problem}\n`, 503)
  })
  app.get('/readyz', (c) => {
    const { ready, problems } = readiness?.current() ?? { ready: true, problems: [] }
    return ready ? c.text('ok') : c.text(`not ready:\n${problems.join('\n')}\n`, 503)
  })
  return app
}

/** Prometheus metrics on their own port (METRICS_PORT), as Spiderpool's agent serves them. */
export function createMetricsApp(metrics: Pick<ServiceMetrics, 'scrape'>) {
  const app = new Hono()
  app.get('/metrics', async (c) => {
    const { text, contentType } = await metrics.scrape()
    return c.body(text, 200, { 'content-type': contentType })
  })
  return app
}
