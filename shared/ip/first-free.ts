import { FreeIpCursor } from './free-ip-cursor.ts'
import type { IpAddress, IpFamily, IpInput, IpRange } from './types.ts'

/**
 * The lowest `count` free IPs (fewer if the pool runs out) of `available` (`ips − excludeIPs −
 * reserved`) given the allocated IPs, e.g. the keys of a pool's `status.allocatedIPs`. For several
 * requests against one status, build one FreeIpCursor instead and call next() per request.
 */
export const firstFreeIps = (
  family: IpFamily,
  available: readonly IpRange[],
  allocated: Iterable<IpInput>,
  count: number,
): IpAddress[] => FreeIpCursor.from(family, available, allocated).take(count)

export const firstFreeIp = (
  family: IpFamily,
  available: readonly IpRange[],
  allocated: Iterable<IpInput>,
): IpAddress | undefined => FreeIpCursor.from(family, available, allocated).next()
