import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { IpamError } from '../../shared/errors.ts'
import { ConflictsExhausted } from '../../shared/store/retry-on-conflict.ts'
import type { RequestTrace } from '../lib/request-trace.ts'

/**
 * The service's Prometheus metrics, on prom-client (a registry with HELP and TYPE lines,
 * histograms, and the standard process_* and nodejs_* metrics; it runs unchanged on Deno).
 * Spiderpool's names where Spiderpool has the metric (pkg/metric, scraped as its OpenTelemetry
 * exporter shows them: counters end in `_total`), so its Grafana dashboard reads Spinneret's agents;
 * `spinneret_*` for the rest. The README's "Metrics" section lists every one.
 *
 * Counts other objects keep (API traffic, pool writer, claims, work queue, watches) are read at
 * scrape time through `sources`; what happens per request or per scan is counted as it happens.
 */
export type Verb = 'ADD' | 'DEL' | 'GC' | 'CHECK'

// Spiderpool's buckets (0.1 ... 15 s) plus finer ones below 0.1 s, where allocations here fall:
// every Spiderpool boundary is kept, so its dashboard's `le` values still exist.
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 0.5, 1, 3, 5, 7, 10, 15]
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256]
const WATCHED_KINDS = ['SpiderIPPool', 'SpiderSubnet', 'Pod', 'Node', 'Lease'] as const

/** What the metrics read at scrape time; each is optional (a test wires what it has). */
export interface MetricSources {
  api?: () => { reads: number; writes: number; conflicts: number }
  poolWriter?: () => { rounds: number; writes: number; conflicts: number }
  claims?: () => { claims: number; refusals: number }
  ready?: () => boolean
  leader?: () => boolean
  /** The leader's reconcile queue; undefined while this replica does not lead. */
  workQueue?: () => { depth: number; inFlight: number; retries: number } | undefined
  watchRestarts?: () => Record<string, number>
  /** Pools and subnets as the leader's watches last saw them; undefined while not leading. */
  pools?: () => PoolCounts | undefined
}

export interface PoolCounts {
  pools: Array<{ name: string; total: number; allocated: number }>
  subnets: Array<{ name: string; pools: number; total: number; allocated: number }>
}

/** Spiderpool's per-process average, maximum, minimum and latest duration gauges. */
class DurationGauges {
  private count = 0
  private sum = 0
  private max = 0
  private min = 0
  private latest = 0
  constructor(registry: Registry, prefix: string, what: string) {
    const gauge = (name: string, help: string, value: () => number) =>
      new Gauge({
        name: `${prefix}_${name}_duration_seconds`,
        help: `${help} ${what} duration in seconds (this process)`,
        registers: [registry],
        collect() {
          this.set(value())
        },
      })
    gauge('average', 'Average', () => (this.count === 0 ? 0 : this.sum / this.count))
    gauge('max', 'Maximum', () => this.max)
    gauge('min', 'Minimum', () => this.min)
    gauge('latest', 'Latest', () => this.latest)
  }
  observe(seconds: number) {
    this.min = this.count === 0 ? seconds : Math.min(this.min, seconds)
    this.count++
    this.sum += seconds
    this.max = Math.max(this.max, seconds)
    this.latest = seconds
  }
}

export function createMetrics(sources: MetricSources = {}) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] })
  /** A counter kept elsewhere, read at scrape time. */
  const readCounter = (name: string, help: string, read: () => number | undefined) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read()
        this.reset()
        if (value !== undefined) this.inc(value)
      },
    })
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const value = read()
        this.reset()
        if (value !== undefined) this.set(value)
      },
    })

  const allocation = {
    total: counter('spiderpool_ipam_allocation_counts_total', 'IPAM allocation requests (CNI ADD) this agent received'),
    failure: counter('spiderpool_ipam_allocation_failure_counts_total', 'IPAM allocation requests that failed, whatever the reason'),
    rollbackFailure: counter(
      'spiderpool_ipam_allocation_rollback_failure_counts_total',
      'Addresses a failed allocation took and could not give back (the leak scans collect them)',
    ),
    conflict: counter(
      'spiderpool_ipam_allocation_update_ippool_conflict_counts_total',
      'SpiderIPPool status writes of allocations that lost a resourceVersion race and were decided again',
    ),
    internal: counter(
      'spiderpool_ipam_allocation_err_internal_counts_total',
      'Allocations that failed on an internal error (a bug, an RBAC rule missing, an API refusal)',
    ),
    noPool: counter(
      'spiderpool_ipam_allocation_err_no_available_pool_counts_total',
      'Allocations that failed because no IPPool was left after selection and filtering',
    ),
    retries: counter('spiderpool_ipam_allocation_err_retries_exhausted_counts_total', 'Allocations that failed because every try lost its write race'),
    usedOut: counter('spiderpool_ipam_allocation_err_ip_used_out_counts_total', 'Allocations that failed because every candidate IPPool was full'),
    duration: new Histogram({
      name: 'spiderpool_ipam_allocation_duration_seconds',
      help: 'IPAM allocation duration in seconds',
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    gauges: new DurationGauges(registry, 'spiderpool_ipam_allocation', 'IPAM allocation'),
  }
  const release = {
    total: counter('spiderpool_ipam_release_counts_total', 'IPAM release requests (CNI DEL) this agent received'),
    failure: counter('spiderpool_ipam_release_failure_counts_total', 'IPAM release requests that failed, whatever the reason'),
    conflict: counter(
      'spiderpool_ipam_release_update_ippool_conflict_counts_total',
      'SpiderIPPool status writes of releases that lost a resourceVersion race and were decided again',
    ),
    internal: counter('spiderpool_ipam_release_err_internal_counts_total', 'Releases that failed on an internal error'),
    retries: counter('spiderpool_ipam_release_err_retries_exhausted_counts_total', 'Releases that failed because every try lost its write race'),
    duration: new Histogram({
      name: 'spiderpool_ipam_release_duration_seconds',
      help: 'IPAM release duration in seconds',
      buckets: DURATION_BUCKETS,
      registers: [registry],
    }),
    gauges: new DurationGauges(registry, 'spiderpool_ipam_release', 'IPAM release'),
  }
  const requests = counter('spinneret_ipam_requests_total', 'IPAM API requests by CNI verb and outcome (ok, or the error code answered)', ['verb', 'code'])
  const requestDuration = new Histogram({
    name: 'spinneret_ipam_request_duration_seconds',
    help: 'IPAM API request duration in seconds by CNI verb',
    labelNames: ['verb'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  })
  const gcReleased = counter(
    'spiderpool_ip_gc_counts_total',
    "Leaked addresses released by the garbage collection (the node scans and the leader's cluster scan)",
  )
  const gcFailures = counter('spiderpool_ip_gc_failure_counts_total', 'Garbage collection scans or releases that failed (retried at the next scan)')
  const scans = counter('spinneret_leak_scans_total', "Leaked-IP scans by scope (node: this node's records; cluster: the leader's) and outcome", [
    'scope',
    'outcome',
  ])
  const batchSize = new Histogram({
    name: 'spinneret_pool_writer_batch_size',
    help: 'Requests decided by one group-commit round of a pool (one conditional status write for all of them)',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  })
  const events = counter(
    'spinneret_events_total',
    'Kubernetes Events this replica recorded, by reason and outcome (written, dropped: over the rate limit or refused)',
    ['reason', 'outcome'],
  )
  const leaderChanges = counter('spinneret_leader_transitions_total', 'Times this replica became or stopped being the leader')

  readCounter('spinneret_kube_api_reads_total', 'Reads (GET, LIST) this process sent the API server for the functions', () => sources.api?.().reads)
  readCounter(
    'spinneret_kube_api_writes_total',
    'Writes (create, update, delete) this process sent the API server for the functions',
    () => sources.api?.().writes,
  )
  readCounter(
    'spinneret_kube_api_conflicts_total',
    'Writes the API server refused with 409 Conflict (decided again on a fresh read)',
    () => sources.api?.().conflicts,
  )
  readCounter(
    'spinneret_pool_writer_rounds_total',
    'Group-commit rounds (read, decide, conditional write) of the pool writer',
    () => sources.poolWriter?.().rounds,
  )
  readCounter('spinneret_pool_writer_writes_total', 'SpiderIPPool status writes of the pool writer', () => sources.poolWriter?.().writes)
  readCounter('spinneret_pool_writer_conflicts_total', 'Pool writer rounds that lost a resourceVersion race', () => sources.poolWriter?.().conflicts)
  readCounter('spinneret_ip_claims_total', 'IP claims this process wrote to the claim registry', () => sources.claims?.().claims)
  readCounter('spinneret_ip_claim_refusals_total', 'Pools refused because another pool claimed their addresses first', () => sources.claims?.().refusals)
  gauge('spinneret_ready', '1 while the service is ready (API server reachable, CRDs served, watches listed), else 0', () =>
    sources.ready ? Number(sources.ready()) : undefined,
  )
  gauge('spinneret_leader', '1 while this replica holds the leader Lease and runs the cluster-wide duties, else 0', () =>
    sources.leader ? Number(sources.leader()) : undefined,
  )
  gauge('spinneret_work_queue_depth', "Reconcile keys waiting in the leader's work queue", () => sources.workQueue?.()?.depth)
  gauge('spinneret_work_queue_in_flight', "Reconciles running in the leader's work queue", () => sources.workQueue?.()?.inFlight)
  readCounter(
    'spinneret_work_queue_retries_total',
    'Reconciles that failed and were scheduled again (this leadership term)',
    () => sources.workQueue?.()?.retries,
  )
  new Counter({
    name: 'spinneret_watch_restarts_total',
    help: 'Watches that failed and were opened again (after a backoff), by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset()
      const restarts = sources.watchRestarts?.()
      if (!restarts) return
      // Every kind this service watches shows, 0 included: a rate over a series that appears
      // only at its first restart would miss that restart.
      for (const kind of WATCHED_KINDS) this.inc({ kind }, restarts[kind] ?? 0)
    },
  })
  // Spiderpool's pool and subnet gauges: the leader reports them (every replica would multiply
  // the series by the node count). Their label names are Spiderpool's (the kind).
  const perPool = (name: string, help: string, label: string, rows: (c: PoolCounts) => Array<[string, number]>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset()
        const counts = sources.pools?.()
        if (counts) for (const [key, value] of rows(counts)) this.set({ [label]: key }, value)
      },
    })
  gauge('spiderpool_total_ippool_counts', 'SpiderIPPools in the cluster (reported by the leader)', () => sources.pools?.()?.pools.length)
  gauge('spiderpool_total_subnet_counts', 'SpiderSubnets in the cluster (reported by the leader)', () => sources.pools?.()?.subnets.length)
  perPool('spiderpool_debug_ippool_total_ip_counts', 'Addresses of a SpiderIPPool (status.totalIPCount; reported by the leader)', 'SpiderIPPool', (c) =>
    c.pools.map((p) => [p.name, p.total]),
  )
  perPool(
    'spiderpool_debug_ippool_available_ip_counts',
    'Free addresses of a SpiderIPPool (total minus allocated; reported by the leader)',
    'SpiderIPPool',
    (c) => c.pools.map((p) => [p.name, p.total - p.allocated]),
  )
  perPool('spiderpool_debug_subnet_ippool_counts', 'SpiderIPPools a SpiderSubnet controls (reported by the leader)', 'SpiderSubnet', (c) =>
    c.subnets.map((s) => [s.name, s.pools]),
  )
  perPool('spiderpool_debug_subnet_total_ip_counts', 'Addresses of a SpiderSubnet (status.totalIPCount; reported by the leader)', 'SpiderSubnet', (c) =>
    c.subnets.map((s) => [s.name, s.total]),
  )
  perPool('spiderpool_debug_subnet_available_ip_counts', 'Addresses of a SpiderSubnet no pool has taken (reported by the leader)', 'SpiderSubnet', (c) =>
    c.subnets.map((s) => [s.name, s.total - s.allocated]),
  )

  return {
    registry,
    /** One IPAM API request, answered: `error` undefined for a success. */
    request(verb: Verb, seconds: number, error: IpamError | undefined, trace: RequestTrace) {
      requests.inc({ verb, code: error?.code ?? 'ok' })
      requestDuration.observe({ verb }, seconds)
      const retriesExhausted = error instanceof ConflictsExhausted
      const internal = error?.code === 'internal' || error?.code === 'forbidden'
      if (verb === 'ADD') {
        allocation.total.inc()
        allocation.duration.observe(seconds)
        allocation.gauges.observe(seconds)
        if (trace.rollbackFailures > 0) allocation.rollbackFailure.inc(trace.rollbackFailures)
        if (!error) return
        allocation.failure.inc()
        if (internal) allocation.internal.inc()
        if (error.code === 'no-pool') allocation.noPool.inc()
        if (error.code === 'ip-used-out') allocation.usedOut.inc()
        if (retriesExhausted) allocation.retries.inc()
      } else if (verb === 'DEL') {
        release.total.inc()
        release.duration.observe(seconds)
        release.gauges.observe(seconds)
        if (!error) return
        release.failure.inc()
        if (internal) release.internal.inc()
        if (retriesExhausted) release.retries.inc()
      }
    },
    /** One group-commit round of a pool; conflicts count for allocations and releases it carried. */
    poolRound({ assigns, releases, conflicts }: { assigns: number; releases: number; conflicts: number }) {
      batchSize.observe(assigns + releases)
      if (conflicts === 0) return
      if (assigns > 0) allocation.conflict.inc(conflicts)
      if (releases > 0) release.conflict.inc(conflicts)
    },
    /** One leaked-IP scan. */
    leakScan(scope: 'node' | 'cluster', outcome: { released: number } | { error: unknown }) {
      if ('error' in outcome) {
        scans.inc({ scope, outcome: 'failed' })
        gcFailures.inc()
        return
      }
      scans.inc({ scope, outcome: 'ok' })
      gcReleased.inc(outcome.released)
    },
    event(reason: string, outcome: 'written' | 'dropped') {
      events.inc({ reason, outcome })
    },
    leaderChanged() {
      leaderChanges.inc()
    },
    /** The exposition (Prometheus text format 0.0.4) and its content type. */
    async scrape(): Promise<{ text: string; contentType: string }> {
      return { text: await registry.metrics(), contentType: registry.contentType }
    },
  }
}

export type ServiceMetrics = ReturnType<typeof createMetrics>
