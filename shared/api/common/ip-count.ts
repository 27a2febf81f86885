import * as v from 'valibot'

/**
 * `allocatedIPCount` / `totalIPCount` are int64 in Spiderpool, capped at INT64_MAX
 * (9223372036854775807, as Spiderpool writes it). We keep them as JS numbers:
 *
 * - In memory the cap is IP_COUNT_CAP = Number(INT64_MAX) = 2^63, the nearest double. That is also
 *   what JSON.parse makes of the cap Spiderpool writes, so a capped count reads and compares the
 *   same whoever wrote it. Counts are only displayed or compared, never used for exact arithmetic.
 * - On the wire toKubeJson writes 2^63 back as 9223372036854775807: the API server refuses
 *   9223372036854775808 as out of int64 range (measured on kube-apiserver with these CRDs).
 */
export const IPCountSchema = v.pipe(v.number(), v.integer(), v.minValue(0))
export type IPCount = v.InferOutput<typeof IPCountSchema>

/** The largest int64: the ceiling of a count (Spiderpool's cap). */
export const INT64_MAX = 9223372036854775807n

/** INT64_MAX as a number (2^63): the in-memory form of a capped count. */
export const IP_COUNT_CAP = Number(INT64_MAX)

export const capIPCount = (count: bigint): number => {
  if (count < 0n) throw new RangeError(`an IP count cannot be negative: ${count}`)
  return count >= INT64_MAX ? IP_COUNT_CAP : Number(count)
}

const CAP_TEXT = String(IP_COUNT_CAP)
const MARK = '\u0000int64-cap'

/**
 * JSON text of a Kubernetes object for the API server: JSON.stringify, except that a capped count
 * (the number 2^63) is written as the int64 it stands for. No other int64 field can hold 2^63, so
 * nothing else changes; the text is scanned first, so ordinary objects pay one string search.
 */
export const toKubeJson = (value: unknown): string => {
  const text = JSON.stringify(value)
  if (!text.includes(CAP_TEXT)) return text
  // Rare (a pool wider than 2^63 addresses): mark the numbers, so that strings are never touched.
  // Kubernetes object text holds no NUL, so a string starting with the mark is no user data.
  const marked = JSON.stringify(value, (key: string, field: unknown) => {
    if (key.startsWith(MARK) || (typeof field === 'string' && field.startsWith(MARK))) {
      throw new RangeError(`cannot write text starting with NUL: ${JSON.stringify(key)}`)
    }
    return field === IP_COUNT_CAP ? MARK : field
  })
  return marked.replaceAll(`"\\u0000int64-cap"`, String(INT64_MAX))
}
