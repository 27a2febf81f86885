import * as v from 'valibot'
import { KIND } from '../constants.ts'
import { parseJsonField } from '../common/json-field.ts'
import { stringifySortedRecord } from '../common/sorted-json.ts'
import { PoolIPPreAllocationSchema, type PoolIPPreAllocation } from './pool-ip-pre-allocation.ts'

/** Decoded `status.controlledIPPools`: entries keyed by pool name. */
export const ControlledIPPoolsSchema = v.record(v.string(), PoolIPPreAllocationSchema)
export type ControlledIPPools = v.InferOutput<typeof ControlledIPPoolsSchema>

/**
 * Decodes a subnet's `status.controlledIPPools`; absent means no pools.
 * @throws IpamError('invalid-resource') naming the subnet and the field when the string is malformed.
 */
export const parseControlledIPPools = (json: string | undefined, subnetName: string): ControlledIPPools =>
  parseJsonField(ControlledIPPoolsSchema, json, { kind: KIND.subnet, name: subnetName, field: 'status.controlledIPPools' }, () => ({}))

// Field order follows Spiderpool's Go struct (ips, application).
const encodeEntry = (entry: PoolIPPreAllocation): PoolIPPreAllocation =>
  entry.application === undefined ? { ips: [...entry.ips] } : { ips: [...entry.ips], application: entry.application }

/**
 * Encodes for `status.controlledIPPools`: `undefined` when empty, otherwise JSON with pool names in
 * lexical order. The order of `ips` is kept as given: it is the writer's to normalise.
 */
export const serializeControlledIPPools = (pools: Readonly<ControlledIPPools>): string | undefined =>
  Object.keys(pools).length === 0 ? undefined : stringifySortedRecord(pools, encodeEntry)
