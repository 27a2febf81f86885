import * as v from 'valibot'
import { KIND } from '../constants.ts'
import { parseJsonField } from '../common/json-field.ts'
import { stringifySortedRecord } from '../common/sorted-json.ts'
import { PoolIPAllocationSchema, type PoolIPAllocation } from './pool-ip-allocation.ts'

/** Decoded `status.allocatedIPs`: records keyed by IP address (no prefix length). */
export const AllocatedIPsSchema = v.record(v.string(), PoolIPAllocationSchema)
export type AllocatedIPs = v.InferOutput<typeof AllocatedIPsSchema>

/**
 * Decodes a pool's `status.allocatedIPs`; absent means no allocations.
 * @throws IpamError('invalid-resource') naming the pool and the field when the string is malformed.
 * @example parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)
 */
export const parseAllocatedIPs = (json: string | undefined, poolName: string): AllocatedIPs =>
  parseJsonField(
    AllocatedIPsSchema,
    json,
    { kind: KIND.ipPool, name: poolName, field: 'status.allocatedIPs' },
    () => ({}),
  )

// Field order follows Spiderpool's Go struct (interface, pod, podUid) so the bytes match its own.
const encodeRecord = (record: PoolIPAllocation): PoolIPAllocation =>
  record.interface === undefined
    ? { pod: record.pod, podUid: record.podUid }
    : { interface: record.interface, pod: record.pod, podUid: record.podUid }

/**
 * Encodes allocations for `status.allocatedIPs`: `undefined` when there are none (Spiderpool omits
 * the field), otherwise JSON with IP keys in lexical order (like Go's encoding/json), so that
 * equal states always give equal strings.
 */
export const serializeAllocatedIPs = (allocations: Readonly<AllocatedIPs>): string | undefined =>
  Object.keys(allocations).length === 0 ? undefined : stringifySortedRecord(allocations, encodeRecord)
