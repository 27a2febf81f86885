import { describe, expect, it } from 'vitest'
import { cidrToRange, parseCidr } from './cidr.ts'
import { firstFreeIp, firstFreeIps } from './first-free.ts'
import { formatIp } from './format.ts'
import { parseIpRanges } from './parse-ranges.ts'

describe('firstFreeIps / firstFreeIp', () => {
  it.each([
    [4, ['10.6.168.1-10.6.168.10'], ['10.6.168.1', '10.6.168.3'], 2, ['10.6.168.2', '10.6.168.4']],
    [4, ['10.6.168.1-10.6.168.2'], ['10.6.168.1', '10.6.168.2'], 1, []],
    [4, ['10.6.168.1-10.6.168.2'], [], 0, []],
    [6, ['fd00::1-fd00::3'], ['fd00::1'], 5, ['fd00::2', 'fd00::3']],
  ] as const)('IPv%s %j minus %j, first %s -> %j', (family, ips, allocated, count, expected) => {
    const got = firstFreeIps(family, parseIpRanges(ips), allocated, count)
    expect(got.map(formatIp)).toEqual(expected)
    if (count === 0) return
    const first = firstFreeIp(family, parseIpRanges(ips), allocated)
    expect(first && formatIp(first)).toBe(expected[0])
  })

  it('is instant on an IPv6 /8 with allocated IPs spread over it', () => {
    const started = performance.now()
    const pool = [cidrToRange(parseCidr('fd00::/8'))]
    const allocated = ['fd00::', 'fd00::1', 'fd80::', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']
    expect(firstFreeIps(6, pool, allocated, 2).map(formatIp)).toEqual(['fd00::2', 'fd00::3'])
    expect(performance.now() - started).toBeLessThan(50)
  })
})
