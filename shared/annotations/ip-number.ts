import { AnnotationKey } from './keys.ts'
import { invalidAnnotation } from './parse-json.ts'

/** The size of an auto pool: a fixed count, or the application's replicas plus some spare. */
export type IPNumber = { readonly kind: 'fixed'; readonly count: number } | { readonly kind: 'flexible'; readonly extra: number }

/**
 * `ipam.spidernet.io/ippool-ip-number`: `"2"` (fixed, at least 1) or `"+1"` (replicas + N,
 * N at least 0). Stricter than Spiderpool, which also takes a fixed `"0"` (a pool that can never
 * serve its pod) and reads `"5+3"` as `"+3"`.
 */
export const parseIPPoolIPNumber = (raw: string): IPNumber => {
  const match = /^(\+?)([0-9]+)$/.exec(raw)
  const n = match?.[2] === undefined ? Number.NaN : Number(match[2])
  if (match === null || !Number.isSafeInteger(n)) {
    throw invalidAnnotation(AnnotationKey.ippoolIPNumber, `"${raw}" is neither a count "N" (N >= 1) nor a spare "+N" (N >= 0)`)
  }
  if (match[1] === '+') return { kind: 'flexible', extra: n }
  if (n < 1) throw invalidAnnotation(AnnotationKey.ippoolIPNumber, `a fixed IP number must be at least 1, got "${raw}"`)
  return { kind: 'fixed', count: n }
}
