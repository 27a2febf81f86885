import type { Context } from 'hono'

/**
 * What one IPAM request did, filled in by the function that serves it and read once it is
 * answered: the request log line, the metrics and the pod Event come from it. Only facts the
 * function learns anyway; it decides nothing.
 */
export interface RequestTrace {
  /** The pools tried, each with what came of it: `p1: assigned 10.6.0.5`, `p2: all IP addresses used out`. */
  pools: string[]
  /** The addresses the answer carries or the release freed. */
  ips: string[]
  /** Addresses a failed ADD took and could not give back (a leak the scans will collect). */
  rollbackFailures: number
}

export const newTrace = (): RequestTrace => ({ pools: [], ips: [], rollbackFailures: 0 })

// Keyed by the request: hono hands a mounted app the same Context, so the router's middleware
// and the function's handler see one trace without typing every app's variables.
const traces = new WeakMap<Request, RequestTrace>()

export const traceOf = (c: Context): RequestTrace => {
  let trace = traces.get(c.req.raw)
  if (!trace) traces.set(c.req.raw, (trace = newTrace()))
  return trace
}
