const DOT = 46
const ZERO = 48
const NINE = 57

/**
 * Strict dotted quad, as Go's net.ParseIP (hence Spiderpool) reads it: four decimal octets, no
 * leading zeros, no whitespace. Hand-rolled rather than ipaddr.js because ipaddr also accepts the
 * legacy octal/hex/short forms (`010.1`, `0xa.0.0.1`) that Kubernetes users never mean, and because
 * this runs once per allocated IP on every allocation decision (about 10x faster than ipaddr).
 */
export const parseIpv4Number = (text: string): number | undefined => {
  const length = text.length
  if (length < 7 || length > 15) return undefined
  let result = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === DOT) {
      if (digits === 0 || dots === 3) return undefined
      result = result * 256 + octet
      octet = 0
      digits = 0
      dots++
    } else if (c >= ZERO && c <= NINE) {
      if (digits > 0 && octet === 0) return undefined
      octet = octet * 10 + (c - ZERO)
      if (octet > 255) return undefined
      digits++
    } else {
      return undefined
    }
  }
  if (dots !== 3 || digits === 0) return undefined
  return result * 256 + octet
}
