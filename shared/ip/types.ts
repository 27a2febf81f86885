/**
 * Addresses and ranges are plain bigint values tagged with their family, so that range math is
 * exact for IPv6 (128 bits) and never needs to enumerate addresses.
 */
export type IpFamily = 4 | 6

export interface IpAddress {
  readonly family: IpFamily
  readonly value: bigint
}

/** Inclusive on both ends; `start <= end`; both of `family`. */
export interface IpRange {
  readonly family: IpFamily
  readonly start: bigint
  readonly end: bigint
}

/** `network` has no host bits set: parsing masks them (and the canonical check refuses them). */
export interface Cidr {
  readonly family: IpFamily
  readonly network: bigint
  readonly prefix: number
}

/** What an allocated IP may look like when handed in: status keys, values, or parsed addresses. */
export type IpInput = string | bigint | IpAddress
