import { Hono } from 'hono'
import { createAllocateApp } from '../allocate/app.ts'
import type { Deps } from '../lib/deps.ts'
import { createReleaseApp } from '../release/app.ts'
import { IpamError } from '../../shared/errors.ts'
import { onIpamError } from '../lib/http-errors.ts'
import type { Readiness } from './readiness.ts'

/**
 * The node-local IPAM API: the allocate and release functions behind one router. While the
 * service is not ready (API server unreachable, CRDs missing, watches not yet listed) every call,
 * the health check included, is answered "try again": the runtime retries, and nothing is
 * decided on a world the service cannot see. In the shape the caller reads (see onIpamError):
 * Spiderpool's plugin gets the 500 its agent gives when unhealthy.
 */
export function createIpamApp(deps: Deps, readiness?: Pick<Readiness, 'current'>) {
  const app = new Hono()
  app.onError(onIpamError)
  if (readiness) {
    app.use(async (_c, next) => {
      const { ready, problems } = readiness.current()
      if (!ready) throw new IpamError('try-again', `IPAM service not ready: ${problems.join('; ')}`)
      await next()
    })
  }
  app.route('/', createAllocateApp(deps))
  app.route('/', createReleaseApp(deps))
  return app
}

/** Any object whose fields are counters. */
export type Counters = Readonly<Record<string, number>>

/**
 * Health and metrics on TCP (loopback by default). Metrics are counters read at scrape time from
 * the objects that own them, in Prometheus' text format.
 */
export function createOpsApp(sources: Record<string, object>, readiness?: Pick<Readiness, 'current'>) {
  const app = new Hono()
  app.get('/healthz', (c) => c.text('ok'))
  app.get('/readyz', (c) => {
    const { ready, problems } = readiness?.current() ?? { ready: true, problems: [] }
    return ready ? c.text('ok') : c.text(`not ready:\n${problems.join('\n')}\n`, 503)
  })
  app.get('/metrics', (c) => {
    const lines: string[] = []
    for (const [prefix, counters] of Object.entries(sources)) {
      for (const [name, value] of Object.entries(counters as Counters)) {
        const metric = `spinneret_${prefix}_${name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}_total`
        lines.push(`# TYPE ${metric} counter`, `${metric} ${value}`)
      }
    }
    // Memory as gauges where the runtime offers Node's process API (Node, and Deno's compat layer).
    const memory = (globalThis as unknown as { process?: { memoryUsage?: () => Record<string, number> } }).process?.memoryUsage?.()
    for (const [name, value] of Object.entries(memory ?? {})) {
      const metric = `spinneret_process_memory_${name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`)}_bytes`
      lines.push(`# TYPE ${metric} gauge`, `${metric} ${value}`)
    }
    return c.text(`${lines.join('\n')}\n`)
  })
  return app
}
