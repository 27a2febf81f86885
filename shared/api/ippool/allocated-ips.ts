import * as v from 'valibot'
import { KIND } from '../constants.ts'
import { parseJsonField } from '../common/json-field.ts'
import { stringifySortedRecord } from '../common/sorted-json.ts'
import { PoolIPAllocationSchema, type PoolIPAllocation } from './pool-ip-allocation.ts'

/** Decoded `status.allocatedIPs`: records keyed by IP address (no prefix length). */
export const AllocatedIPsSchema = v.record(v.string(), PoolIPAllocationSchema)
export type AllocatedIPs = v.InferOutput<typeof AllocatedIPsSchema>

// The last few strings decoded, with their records. One pool status is decoded several times
// (the pool writer's round, and on the leader the watch event's pool counts and reconcile
// decision); at 1,000 records a decode costs about 1.5 ms. Deterministic, so a hit is the same
// answer: callers treat records as read-only (assignInPool and releaseInPool copy before changing).
const RECENT = 4
const MEMO_MIN_LENGTH = 4096
const recent: Array<{ json: string; records: AllocatedIPs }> = []

/**
 * Decodes a pool's `status.allocatedIPs`; absent means no allocations. The answer may be shared
 * with other callers: do not change it.
 * @throws IpamError('invalid-resource') naming the pool and the field when the string is malformed.
 * @example parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)
 */
export const parseAllocatedIPs = (json: string | undefined, poolName: string): AllocatedIPs => {
  const decode = () => parseJsonField(AllocatedIPsSchema, json, { kind: KIND.ipPool, name: poolName, field: 'status.allocatedIPs' }, () => ({}))
  // A small pool decodes in microseconds: only large ones are remembered.
  if (json === undefined || json.length < MEMO_MIN_LENGTH) return decode()
  const hit = recent.find((r) => r.json === json)
  if (hit) return hit.records
  const records = decode()
  recent.unshift({ json, records })
  recent.length = Math.min(recent.length, RECENT)
  return records
}

// Field order follows Spiderpool's Go struct (interface, pod, podUid) so the bytes match its own.
const encodeRecord = (record: PoolIPAllocation): PoolIPAllocation =>
  record.interface === undefined ? { pod: record.pod, podUid: record.podUid } : { interface: record.interface, pod: record.pod, podUid: record.podUid }

/**
 * Encodes allocations for `status.allocatedIPs`: `undefined` when there are none (Spiderpool omits
 * the field), otherwise JSON with IP keys in lexical order (like Go's encoding/json), so that
 * equal states always give equal strings.
 */
export const serializeAllocatedIPs = (allocations: Readonly<AllocatedIPs>): string | undefined =>
  Object.keys(allocations).length === 0 ? undefined : stringifySortedRecord(allocations, encodeRecord)
