// The scale model: what one allocation costs the API server, as a function of the cluster's
// shape. Pure arithmetic; `npm run bench:scale` checks it against a run of many services.
//
// One allocation (CNI ADD) costs:
//   requests     `reads` GETs (pod, node, namespace, ... what the service does not cache) and
//                `otherWrites` writes (the SpiderEndpoint), plus one pool read and one pool status
//                write per group-commit round, shared by the `perWrite` allocations the round decided
//   bytes in     the pool status write: the whole object, `fixedBytes` + `bytesPerRecord` x records
//                (the status is one JSON string: every write carries every record)
//   bytes out    the pool read of the round, and the written pool sent as one watch event to every
//                process that watches pools (`poolWatchers`: the leader alone, or every node's
//                service when each watches every pool)
// and in the background, independent of allocations: each replica receives the leader Lease every
// renewal (`leaseBytes` every `leaseRenewSeconds`).

export interface ClusterShape {
  /** Nodes, each running one service replica. */
  nodes: number
  /** Records in the pool the allocation lands in (its size while the cluster runs). */
  records: number
  /** Processes that watch SpiderIPPools: 1 when only the leader does, `nodes` when every replica does. */
  poolWatchers: number
  /** Allocations one pool status write carries (group commit: ~1 at 1 in flight, ~4 at 50). */
  perWrite: number
}

export interface CostConstants {
  /** Bytes of a pool object without records (metadata, managedFields, spec, counts). */
  fixedBytes: number
  /** Bytes each record adds to the pool object as the API server sends and stores it. */
  bytesPerRecord: number
  /** GETs per allocation besides the pool's (pod, node, namespace, reserved IPs, ...). */
  reads: number
  /** Writes per allocation besides the pool's (the SpiderEndpoint). */
  otherWrites: number
  /** Bytes of one Lease watch event, and how often the leader renews. */
  leaseBytes: number
  leaseRenewSeconds: number
}

export interface AllocationCost {
  /** API requests (not watch events) per allocation. */
  requests: number
  /** Pool status writes per allocation. */
  poolWrites: number
  /** Pool watch events the API server sends per allocation. */
  poolWatchEvents: number
  /** Bytes of one pool object at this size. */
  poolObjectBytes: number
  /** Bytes the API server receives per allocation for the pool (its share of a status write). */
  poolBytesIn: number
  /** Bytes the API server sends per allocation for the pool: the round's read plus the watch events. */
  poolBytesOut: number
  /** Of those, the watch events alone. */
  poolWatchBytes: number
}

/**
 * The model's defaults, measured here on 2026-11-29: npm run bench:pools (an IPv4 pool object is
 * ~1,000 bytes + 120 a record with Deployment-style pod names in a 15-character namespace; IPv6
 * 123), npm run bench:scale (3.7 requests per allocation at 1 service; a Lease event ~500 bytes).
 */
export const MEASURED_DEFAULTS: CostConstants = {
  fixedBytes: 1000,
  bytesPerRecord: 120,
  reads: 3,
  otherWrites: 1,
  leaseBytes: 500,
  leaseRenewSeconds: 5,
}

export function allocationCost(shape: ClusterShape, c: CostConstants = MEASURED_DEFAULTS): AllocationCost {
  for (const [key, value] of Object.entries(shape)) {
    if (!Number.isFinite(value) || value < 0) throw new Error(`cluster shape: ${key} must be a number >= 0 (got ${value})`)
  }
  if (shape.perWrite < 1) throw new Error(`cluster shape: perWrite must be >= 1 (got ${shape.perWrite})`)
  const poolObjectBytes = c.fixedBytes + c.bytesPerRecord * shape.records
  const poolWrites = 1 / shape.perWrite
  const poolWatchBytes = shape.poolWatchers * poolObjectBytes * poolWrites
  return {
    requests: c.reads + c.otherWrites + 2 * poolWrites,
    poolWrites,
    poolWatchEvents: shape.poolWatchers * poolWrites,
    poolObjectBytes,
    poolBytesIn: poolObjectBytes * poolWrites,
    poolBytesOut: poolObjectBytes * poolWrites + poolWatchBytes,
    poolWatchBytes,
  }
}

/** Bytes per second the API server sends for the leader Lease, allocations or not. */
export const leaseBytesPerSecond = (nodes: number, c: CostConstants = MEASURED_DEFAULTS): number => (nodes * c.leaseBytes) / c.leaseRenewSeconds

/** The most records a pool holds while its object stays within `limitBytes` (etcd's request limit). */
export function largestPool(limitBytes: number, c: Pick<CostConstants, 'fixedBytes' | 'bytesPerRecord'>): number {
  if (c.bytesPerRecord <= 0) throw new Error(`bytesPerRecord must be > 0 (got ${c.bytesPerRecord})`)
  return Math.max(0, Math.floor((limitBytes - c.fixedBytes) / c.bytesPerRecord))
}

/**
 * Bytes per record and fixed bytes from pool objects measured at two or more sizes: the least
 * squares line through (records, bytes).
 */
export function fitPoolSize(points: readonly { records: number; bytes: number }[]): { fixedBytes: number; bytesPerRecord: number } {
  if (points.length < 2) throw new Error(`fitting a line needs two sizes or more (got ${points.length})`)
  const n = points.length
  const mx = points.reduce((s, p) => s + p.records, 0) / n
  const my = points.reduce((s, p) => s + p.bytes, 0) / n
  const sxx = points.reduce((s, p) => s + (p.records - mx) ** 2, 0)
  if (sxx === 0) throw new Error('fitting a line needs two different sizes')
  const bytesPerRecord = points.reduce((s, p) => s + (p.records - mx) * (p.bytes - my), 0) / sxx
  return { fixedBytes: my - bytesPerRecord * mx, bytesPerRecord }
}

/** A measured value against the model's: the relative error, e.g. 0.08 for 8 % over. */
export const relativeError = (measured: number, modelled: number): number =>
  modelled === 0 ? (measured === 0 ? 0 : Infinity) : (measured - modelled) / modelled

export interface ProjectionRow {
  nodes: number
  records: number
  poolWatchers: number
  perWrite: number
  /** Bytes the API server sends for the pool, per allocation. */
  bytesOutPerAlloc: number
  /** The same for `allocations` allocations (e.g. every pod of the cluster started again). */
  bytesOutTotal: number
}

/**
 * The model over a cluster: every combination of records per pool and allocations per write, with
 * only the leader watching pools and with every node's service watching them.
 */
export function project(
  { nodes, allocations, records, perWrite }: { nodes: number; allocations: number; records: readonly number[]; perWrite: readonly number[] },
  c: CostConstants = MEASURED_DEFAULTS,
): ProjectionRow[] {
  const rows: ProjectionRow[] = []
  for (const poolWatchers of [1, nodes]) {
    for (const r of records) {
      for (const k of perWrite) {
        const cost = allocationCost({ nodes, records: r, poolWatchers, perWrite: k }, c)
        rows.push({ nodes, records: r, poolWatchers, perWrite: k, bytesOutPerAlloc: cost.poolBytesOut, bytesOutTotal: cost.poolBytesOut * allocations })
      }
    }
  }
  return rows
}
