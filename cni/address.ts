import { tryParseIp } from '../shared/ip/address.ts'
import { formatIp } from '../shared/ip/format.ts'

export type Family = 4 | 6

export interface Address {
  readonly family: Family
  /** Canonical text (RFC 5952 for IPv6), so two spellings of one address compare equal. */
  readonly text: string
}

/**
 * A bare IP address, or undefined: a strict dotted quad (no "10.1", no octal or hex) or an RFC 4291
 * IPv6 address without zone. The service's own parsers (shared/ip, tested against ipaddr.js), not
 * ipaddr.js: its regexes cost the plugin ~1 ms of CPU to build and ~1 ms to run once, per call.
 */
export const parseIp = (s: string): Address | undefined => {
  const ip = tryParseIp(s)
  return ip && { family: ip.family, text: formatIp(ip) }
}

/** An interface address `ip/prefix` (host bits allowed, as in CNI results), or undefined. */
export const parseCidr = (s: string): Address | undefined => {
  const slash = s.indexOf('/')
  const ip = slash > 0 ? parseIp(s.slice(0, slash)) : undefined
  const prefixText = s.slice(slash + 1)
  if (!ip || !/^\d{1,3}$/.test(prefixText)) return undefined
  const prefix = Number(prefixText)
  if (prefix > (ip.family === 4 ? 32 : 128)) return undefined
  return { family: ip.family, text: `${ip.text}/${prefix}` }
}
