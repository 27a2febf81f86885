import { mergeRanges, type IpRange } from '../ip/index.ts'

/**
 * The `n` lowest addresses of a range set, as ranges (fewer when it holds fewer). Range math only:
 * taking 3 addresses from an IPv6 /64 costs what taking them from a /30 does.
 */
export const lowestAddresses = (ranges: readonly IpRange[], n: bigint): IpRange[] => {
  const taken: IpRange[] = []
  let left = n
  for (const range of mergeRanges(ranges)) {
    if (left <= 0n) break
    const size = range.end - range.start + 1n
    const end = size <= left ? range.end : range.start + left - 1n
    taken.push({ ...range, end })
    left -= end - range.start + 1n
  }
  return taken
}

/** The `n` highest addresses of a range set, as ranges (fewer when it holds fewer). */
export const highestAddresses = (ranges: readonly IpRange[], n: bigint): IpRange[] => {
  const taken: IpRange[] = []
  let left = n
  for (const range of mergeRanges(ranges).reverse()) {
    if (left <= 0n) break
    const size = range.end - range.start + 1n
    const start = size <= left ? range.start : range.end - left + 1n
    taken.unshift({ ...range, start })
    left -= range.end - start + 1n
  }
  return taken
}
