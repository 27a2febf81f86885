import ipaddr from 'ipaddr.js'

export type Family = 4 | 6

export interface Address {
  readonly family: Family
  /** Canonical text (RFC 5952 for IPv6), so two spellings of one address compare equal. */
  readonly text: string
}

/** A bare IP address, or undefined. ipaddr.parse alone accepts shorthand like "10.1". */
export const parseIp = (s: string): Address | undefined => {
  if (!ipaddr.IPv4.isValidFourPartDecimal(s) && !ipaddr.IPv6.isValid(s)) return undefined
  const ip = ipaddr.parse(s)
  return { family: ip.kind() === 'ipv4' ? 4 : 6, text: ip.toString() }
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
