import { IpamError } from '../errors.ts'
import { mergeRanges } from './ranges.ts'
import { inputValue, UsedIps } from './used-ips.ts'
import type { IpAddress, IpFamily, IpInput, IpRange } from './types.ts'

/**
 * Whether the walk can use the ranges as they are. Touching ranges are fine, and not checking for
 * them spares a bigint addition per range: a cursor per lookup is the hot path.
 */
const sortedAndDisjoint = (ranges: readonly IpRange[], family: IpFamily): boolean => {
  let previous: IpRange | undefined
  for (const range of ranges) {
    if (range.family !== family) {
      throw new IpamError('invalid-resource', `available IP ranges are not all IPv${family}`)
    }
    if (previous !== undefined && range.start <= previous.end) return false
    previous = range
  }
  return true
}

/**
 * Hands out the lowest free IPs of one pool, lowest first, without enumerating the pool: it walks
 * the available ranges and jumps over runs of used IPs, so a whole decision costs
 * O(available ranges + used runs) however large the pool is (an IPv6 /64 is as cheap as a /24).
 *
 * Built once per decision; every request decided against the same pool status (group commit)
 * then calls next(), and IPs taken by other means in that decision (a StatefulSet pod getting its
 * old IP back) are reported with markUsed(), so nothing is handed out twice.
 *
 * @example
 * const cursor = FreeIpCursor.from(4, available, Object.keys(allocatedRecords))
 * const ip = cursor.next() // undefined: the pool is full
 */
export class FreeIpCursor {
  readonly family: IpFamily
  private readonly available: readonly IpRange[]
  private readonly runs: readonly IpRange[]
  private readonly afterRuns: readonly bigint[]
  /** Marked used at or above `position`; each is dropped when the walk reaches it. */
  private readonly marked = new Set<bigint>()
  private rangeIndex = 0
  private runIndex = 0
  /** Every available address below it is used or handed out. */
  private position = 0n
  /**
   * `position` itself was handed out. Kept as a flag so that a cursor used for one lookup never
   * computes `position + 1n`: 128-bit bigint additions are slow (see UsedIps.afterRuns).
   */
  private positionTaken = false

  /**
   * @param available the pool's `ips − excludeIPs − reserved`, all of `used.family`; sorted
   *   disjoint ranges (what the range-set functions return) are used as they are, anything else
   *   is merged first
   */
  constructor(available: readonly IpRange[], used: UsedIps) {
    this.family = used.family
    this.available = sortedAndDisjoint(available, used.family) ? available : mergeRanges(available)
    this.runs = used.runs
    this.afterRuns = used.afterRuns
  }

  /** `allocated`: status keys, values or addresses; other-family entries are ignored. */
  static from(family: IpFamily, available: readonly IpRange[], allocated: Iterable<IpInput>): FreeIpCursor {
    return new FreeIpCursor(available, UsedIps.from(family, allocated))
  }

  /** The lowest free IP, left free; undefined when none is left. */
  peek(): IpAddress | undefined {
    const value = this.settle()
    return value === undefined ? undefined : { family: this.family, value }
  }

  /** The lowest free IP, now counted as used; undefined when none is left. */
  next(): IpAddress | undefined {
    const value = this.settle()
    if (value === undefined) return undefined
    this.positionTaken = true
    return { family: this.family, value }
  }

  /** Up to `count` IPs, lowest first; fewer when the pool runs out. */
  take(count: number): IpAddress[] {
    const taken: IpAddress[] = []
    while (taken.length < count) {
      const address = this.next()
      if (address === undefined) break
      taken.push(address)
    }
    return taken
  }

  /** Keeps an IP from being handed out; IPs of the other family, or already passed, change nothing. */
  markUsed(ip: IpInput): void {
    const value = inputValue(this.family, ip)
    if (value === undefined) return
    if (value > this.position || (value === this.position && !this.positionTaken)) this.marked.add(value)
  }

  /** Moves `position` to the lowest free address and returns it; each step passes a range, a run or a mark. */
  private settle(): bigint | undefined {
    const { available, runs, afterRuns, marked } = this
    if (this.positionTaken) {
      this.position++
      this.positionTaken = false
    }
    while (this.rangeIndex < available.length) {
      const range = available[this.rangeIndex] as IpRange
      if (this.position < range.start) this.position = range.start
      if (this.position > range.end) {
        this.rangeIndex++
        continue
      }
      while (this.runIndex < runs.length && (runs[this.runIndex] as IpRange).end < this.position) {
        this.runIndex++
      }
      const run = runs[this.runIndex]
      if (run !== undefined && run.start <= this.position) {
        this.position = afterRuns[this.runIndex] as bigint
        continue
      }
      if (marked.size > 0 && marked.delete(this.position)) {
        this.position++
        continue
      }
      return this.position
    }
    return undefined
  }
}
