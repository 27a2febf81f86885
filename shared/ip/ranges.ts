import type { IpFamily, IpRange } from './types.ts'

/**
 * Range-set algebra. Every function accepts lists in any order, with duplicates, overlaps and both
 * families mixed, and returns a merged list: sorted (IPv4 before IPv6, then by start), with no two
 * ranges overlapping or touching. Work is proportional to the number of ranges, never to the
 * number of addresses, so a /8 of IPv6 costs the same as a /30.
 */

const byFamilyThenStart = (a: IpRange, b: IpRange): number => a.family - b.family || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)

/** Sorted, disjoint and non-adjacent: the shape every function here returns. */
export const isMerged = (ranges: readonly IpRange[]): boolean => {
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1] as IpRange
    const current = ranges[i] as IpRange
    if (previous.family > current.family) return false
    if (previous.family === current.family && current.start <= previous.end + 1n) return false
  }
  return true
}

/** Sort, dedupe, and join overlapping and adjacent ranges (10.0.0.1-10.0.0.5 + 10.0.0.6 = one). */
export const mergeRanges = (ranges: readonly IpRange[]): IpRange[] => {
  if (isMerged(ranges)) return [...ranges]
  const sorted = [...ranges].sort(byFamilyThenStart)
  const merged: IpRange[] = []
  let current: IpRange | undefined
  for (const range of sorted) {
    if (current !== undefined && current.family === range.family && range.start <= current.end + 1n) {
      if (range.end > current.end) current = { ...current, end: range.end }
      continue
    }
    if (current !== undefined) merged.push(current)
    current = range
  }
  if (current !== undefined) merged.push(current)
  return merged
}

export const unionRanges = (...lists: ReadonlyArray<readonly IpRange[]>): IpRange[] => mergeRanges(lists.flat())

const ofFamily = (ranges: readonly IpRange[], family: IpFamily): IpRange[] => ranges.filter((range) => range.family === family)

/** Applies a two-pointer sweep over merged single-family lists to each family in turn. */
const perFamily = (a: readonly IpRange[], b: readonly IpRange[], sweep: (a: readonly IpRange[], b: readonly IpRange[]) => IpRange[]): IpRange[] => {
  const mergedA = mergeRanges(a)
  const mergedB = mergeRanges(b)
  return [...sweep(ofFamily(mergedA, 4), ofFamily(mergedB, 4)), ...sweep(ofFamily(mergedA, 6), ofFamily(mergedB, 6))]
}

const subtractSweep = (from: readonly IpRange[], remove: readonly IpRange[]): IpRange[] => {
  const result: IpRange[] = []
  let first = 0
  for (const range of from) {
    // `remove` ranges that end before this one also end before every later one: skip them for good.
    while (first < remove.length && (remove[first] as IpRange).end < range.start) first++
    let start = range.start
    for (let i = first; i < remove.length && start <= range.end; i++) {
      const hole = remove[i] as IpRange
      if (hole.start > range.end) break
      if (hole.start > start) result.push({ family: range.family, start, end: hole.start - 1n })
      if (hole.end + 1n > start) start = hole.end + 1n
    }
    if (start <= range.end) result.push({ family: range.family, start, end: range.end })
  }
  return result
}

/** `from` minus `remove`: e.g. `ips` − `excludeIPs` − reserved IPs. */
export const subtractRanges = (from: readonly IpRange[], remove: readonly IpRange[]): IpRange[] => perFamily(from, remove, subtractSweep)

const intersectSweep = (a: readonly IpRange[], b: readonly IpRange[]): IpRange[] => {
  const result: IpRange[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i] as IpRange
    const y = b[j] as IpRange
    const start = x.start > y.start ? x.start : y.start
    const end = x.end < y.end ? x.end : y.end
    if (start <= end) result.push({ family: x.family, start, end })
    if (x.end < y.end) i++
    else j++
  }
  return result
}

export const intersectRanges = (a: readonly IpRange[], b: readonly IpRange[]): IpRange[] => perFamily(a, b, intersectSweep)
