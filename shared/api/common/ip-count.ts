import * as v from 'valibot'

/**
 * `allocatedIPCount` / `totalIPCount` are int64 in Spiderpool. We keep them as JS numbers:
 *
 * - Reading: JSON.parse turns Spiderpool's cap 9223372036854775807 into 9223372036854775808 (the
 *   nearest double). That is accepted: the value is only displayed or compared, never used for
 *   exact arithmetic, and never written back as read (writers recompute it).
 * - Writing: counts are computed as bigint and stored through `capIPCount`, which caps at
 *   Number.MAX_SAFE_INTEGER (2^53 - 1), not at int64 max. A double above 2^53 cannot be written
 *   back as an exact JSON integer: 2^63 - 1 serialises as 9223372036854775808, which the API server
 *   refuses ("must be of type integer", measured on kube-apiserver with these CRDs).
 *   Only pools of more than 2^53 addresses (IPv6 ranges wider than a /75) see the difference.
 */
export const IPCountSchema = v.pipe(v.number(), v.integer(), v.minValue(0))
export type IPCount = v.InferOutput<typeof IPCountSchema>

/** The largest count Spinneret writes; see IPCountSchema for why it is not int64 max. */
export const IP_COUNT_CAP = Number.MAX_SAFE_INTEGER

/** Spiderpool's cap, for readers that want to recognise a capped count written by Spiderpool. */
export const INT64_MAX = 9223372036854775807n

export const capIPCount = (count: bigint): number => {
  if (count < 0n) throw new RangeError(`an IP count cannot be negative: ${count}`)
  return count > BigInt(IP_COUNT_CAP) ? IP_COUNT_CAP : Number(count)
}
