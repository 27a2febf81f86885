import { IpamError } from '../errors.ts'
import { tryParseIp } from './address.ts'
import type { IpFamily, IpRange } from './types.ts'

const refuse = (text: string, reason: string): IpamError => new IpamError('invalid-resource', `invalid IP range '${text}': ${reason}`)

/**
 * One Spiderpool `ips`/`excludeIPs` entry: a single IP or `a-b` with both ends of one family and
 * `a <= b`. Like Spiderpool, no whitespace is allowed around the dash. When `family` is given, an
 * entry of the other family is refused (a pool's list must match its `ipVersion`).
 */
export const parseIpRange = (text: string, family?: IpFamily): IpRange => {
  const dash = text.indexOf('-')
  const startText = dash < 0 ? text : text.slice(0, dash)
  const endText = dash < 0 ? text : text.slice(dash + 1)
  const start = tryParseIp(startText)
  if (start === undefined) throw refuse(text, `'${startText}' is not an IP address`)
  const end = dash < 0 ? start : tryParseIp(endText)
  if (end === undefined) throw refuse(text, `'${endText}' is not an IP address`)
  if (start.family !== end.family) throw refuse(text, 'both ends must be of the same IP family')
  if (start.value > end.value) throw refuse(text, 'the start is greater than the end')
  if (family !== undefined && start.family !== family) throw refuse(text, `not an IPv${family} range`)
  return { family: start.family, start: start.value, end: end.value }
}

/**
 * Every entry of a Spiderpool IP list, in the given order and unmerged, so callers can still tell
 * which entries overlap (see findOverlap) before merging them.
 */
export const parseIpRanges = (entries: readonly string[], family?: IpFamily): IpRange[] => entries.map((entry) => parseIpRange(entry, family))
