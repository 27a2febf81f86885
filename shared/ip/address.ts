import { IpamError } from '../errors.ts'
import { parseIpv4Number } from './parse-ipv4.ts'
import { parseIpv6Words, wordsToBigInt } from './parse-ipv6.ts'
import type { IpAddress, IpFamily } from './types.ts'

export const familyBits = (family: IpFamily): 32 | 128 => (family === 4 ? 32 : 128)

const MAX_V4 = 0xffff_ffffn
const MAX_V6 = (1n << 128n) - 1n

/** The highest address of the family: 255.255.255.255 or ffff:...:ffff. */
export const maxAddressValue = (family: IpFamily): bigint => (family === 4 ? MAX_V4 : MAX_V6)

const parseIpv6Value = (text: string): bigint | undefined => {
  const words = parseIpv6Words(text)
  return words === undefined ? undefined : wordsToBigInt(words)
}

/** The address, or undefined when the text is not exactly one IPv4 or IPv6 address. */
export const tryParseIp = (text: string): IpAddress | undefined => {
  if (text.includes(':')) {
    const value = parseIpv6Value(text)
    return value === undefined ? undefined : { family: 6, value }
  }
  const value = parseIpv4Number(text)
  return value === undefined ? undefined : { family: 4, value: BigInt(value) }
}

export const parseIp = (text: string): IpAddress => {
  const address = tryParseIp(text)
  if (address === undefined) throw new IpamError('invalid-resource', `invalid IP address '${text}'`)
  return address
}
