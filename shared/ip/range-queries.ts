import { tryParseIp } from './address.ts'
import { subtractRanges } from './ranges.ts'
import type { IpAddress, IpRange } from './types.ts'

/**
 * Two entries of one list that share an address (the lowest-addressed such pair), as indexes into
 * the list, lower first, so admission can name both (`spec.ips[0]` and `spec.ips[3]`). Touching
 * entries (10.0.0.1-10.0.0.5 and 10.0.0.6) do not overlap.
 */
export const findOverlap = (ranges: readonly IpRange[]): [number, number] | undefined => {
  const order = ranges.map((_, index) => index)
  const at = (index: number): IpRange => ranges[index] as IpRange
  order.sort((x, y) => {
    const a = at(x)
    const b = at(y)
    return a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : x - y)
  })
  // Until the first overlap, sorted entries are disjoint, so the previous one reaches furthest.
  let previous: number | undefined
  for (const index of order) {
    const range = at(index)
    if (previous !== undefined) {
      const before = at(previous)
      if (before.family === range.family && range.start <= before.end) {
        return previous < index ? [previous, index] : [index, previous]
      }
    }
    previous = index
  }
  return undefined
}

/** Every address of `inner` lies in `outer`: a pool's IPs within its subnet's IPs. */
export const rangesContainRanges = (outer: readonly IpRange[], inner: readonly IpRange[]): boolean => subtractRanges(inner, outer).length === 0

export const rangesContainIp = (ranges: readonly IpRange[], address: IpAddress): boolean =>
  ranges.some((range) => range.family === address.family && range.start <= address.value && address.value <= range.end)

/** False for text that is not an IP: such text is in no set. */
export const ipInRanges = (ip: string, ranges: readonly IpRange[]): boolean => {
  const address = tryParseIp(ip)
  return address !== undefined && rangesContainIp(ranges, address)
}
