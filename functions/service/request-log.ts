import type { MiddlewareHandler } from 'hono'
import { isIpamError, type IpamError } from '../../shared/errors.ts'
import type { Logger } from '../../shared/log.ts'
import type { EventRecorder } from '../lib/event-recorder.ts'
import { asIpamError, spiderpoolErrorText } from '../lib/http-errors.ts'
import { traceOf } from '../lib/request-trace.ts'
import type { ServiceMetrics, Verb } from './metrics.ts'

export interface RequestLogOptions {
  log: Logger
  metrics?: Pick<ServiceMetrics, 'request'>
  events?: EventRecorder
  /** Refusals of the readiness gate get no pod Event: they say nothing about the pod. */
  isNotReady?: (error: IpamError) => boolean
  now?: () => number
}

const VERBS: Record<string, Verb> = {
  'POST /v1/ipam/ip': 'ADD',
  'DELETE /v1/ipam/ip': 'DEL',
  'POST /v1/ipam/gc': 'GC',
  'GET /v1/ipam/ip': 'CHECK',
}

// Failures that say something about the pod's configuration or the pools: worth an Event on the
// pod. A pod that is gone or dying needs none.
const NO_EVENT = new Set(['not-found', 'pod-dead'])

type Identity = { podNamespace?: unknown; podName?: unknown; podUID?: unknown; containerID?: unknown; ifName?: unknown; network?: unknown }

/**
 * One log line per ADD, DEL, GC and CHECK once it is answered: pod, containerID, NIC, the pools
 * tried and what came of each, the addresses, the outcome and the duration. At info for failures
 * (with the stack for a bug, at error), at debug for successes. The same moment counts the request
 * in the metrics and, for a failed ADD, records an Event on the pod with the text the plugin gets.
 */
export function requestLog(options: RequestLogOptions): MiddlewareHandler {
  const now = options.now ?? (() => performance.now())
  return async (c, next) => {
    const verb = VERBS[`${c.req.method} ${c.req.path}`]
    if (!verb) return next()
    const started = now()
    await next()
    const seconds = (now() - started) / 1000
    const trace = traceOf(c)
    // A handler's error was answered by onError; hono leaves it on the context.
    const error = c.error ? asIpamError(c.error) : undefined
    const id: Identity = verb === 'CHECK' ? c.req.query() : ((await c.req.json().catch(() => ({}))) as Identity)
    const pod = typeof id.podName === 'string' ? `${String(id.podNamespace ?? '')}/${id.podName}` : undefined
    const fields = {
      verb,
      ...(pod ? { pod } : {}),
      ...(typeof id.podUID === 'string' ? { podUID: id.podUID } : {}),
      ...(typeof id.containerID === 'string' ? { containerID: id.containerID } : {}),
      ...(typeof id.ifName === 'string' ? { nic: id.ifName } : {}),
      ...(typeof id.network === 'string' ? { network: id.network } : {}),
      ...(trace.pools.length > 0 ? { pools: trace.pools } : {}),
      ...(trace.ips.length > 0 ? { ips: trace.ips } : {}),
      ...(trace.rollbackFailures > 0 ? { rollbackFailures: trace.rollbackFailures } : {}),
      status: c.res.status,
      durationMs: Math.round(seconds * 1000 * 10) / 10,
    }
    options.metrics?.request(verb, seconds, error, trace)
    if (!error) {
      options.log.debug(`${verb} done`, { ...fields, outcome: 'ok' })
      return
    }
    if (!isIpamError(c.error)) {
      options.log.error(`${verb} failed: internal error`, { ...fields, outcome: error.code, error: error.message, stack: c.error })
    } else {
      options.log.info(`${verb} failed`, { ...fields, outcome: error.code, error: error.message, ...(error.details ? { details: error.details } : {}) })
    }
    if (verb === 'ADD' && pod && options.events && !NO_EVENT.has(error.code) && !options.isNotReady?.(error)) {
      options.events.record(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: String(id.podNamespace),
          name: String(id.podName),
          ...(typeof id.podUID === 'string' ? { uid: id.podUID } : {}),
        },
        { type: 'Warning', reason: 'IPAllocationFailed', message: spiderpoolErrorText(error) },
      )
    }
  }
}
