import { mergeRanges } from './ranges.ts'
import type { IpRange } from './types.ts'

/** Exact number of distinct addresses; overlaps are counted once. */
export const countIps = (ranges: readonly IpRange[]): bigint => {
  let total = 0n
  for (const range of mergeRanges(ranges)) total += range.end - range.start + 1n
  return total
}
