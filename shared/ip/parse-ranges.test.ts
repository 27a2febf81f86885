import { describe, expect, it } from 'vitest'
import { IpamError } from '../errors.ts'
import { parseIpRange, parseIpRanges } from './parse-ranges.ts'

describe('parseIpRange', () => {
  it.each([
    ['10.6.168.1', { family: 4, start: 0x0a06a801n, end: 0x0a06a801n }],
    ['10.6.168.1-10.6.168.10', { family: 4, start: 0x0a06a801n, end: 0x0a06a80an }],
    ['10.6.168.1-10.6.168.1', { family: 4, start: 0x0a06a801n, end: 0x0a06a801n }],
    ['0.0.0.0-255.255.255.255', { family: 4, start: 0n, end: 0xffffffffn }],
    ['fd00::1-FD00::0:a', { family: 6, start: (0xfd00n << 112n) | 1n, end: (0xfd00n << 112n) | 10n }],
    ['::-::', { family: 6, start: 0n, end: 0n }],
  ] as const)('%s', (text, range) => {
    expect(parseIpRange(text)).toEqual(range)
  })

  it.each([
    ['garbage', "invalid IP range 'garbage': 'garbage' is not an IP address"],
    ['', "invalid IP range '': '' is not an IP address"],
    ['10.0.0.1-', "invalid IP range '10.0.0.1-': '' is not an IP address"],
    ['-10.0.0.1', "invalid IP range '-10.0.0.1': '' is not an IP address"],
    ['10.0.0.1 - 10.0.0.2', "invalid IP range '10.0.0.1 - 10.0.0.2': '10.0.0.1 ' is not an IP address"],
    ['10.0.0.1-10.0.0.2-10.0.0.3', "invalid IP range '10.0.0.1-10.0.0.2-10.0.0.3': '10.0.0.2-10.0.0.3' is not an IP address"],
    ['10.0.0.1/24', "invalid IP range '10.0.0.1/24': '10.0.0.1/24' is not an IP address"],
    ['10.0.0.1-fd00::1', "invalid IP range '10.0.0.1-fd00::1': both ends must be of the same IP family"],
    ['fd00::1-10.0.0.1', "invalid IP range 'fd00::1-10.0.0.1': both ends must be of the same IP family"],
    ['10.0.0.9-10.0.0.1', "invalid IP range '10.0.0.9-10.0.0.1': the start is greater than the end"],
    ['fd00::9-fd00::1', "invalid IP range 'fd00::9-fd00::1': the start is greater than the end"],
  ])('refuses %j', (text, message) => {
    expect(() => parseIpRange(text)).toThrow(new IpamError('invalid-resource', message))
  })

  it('refuses an entry of the other family when the list has one', () => {
    expect(() => parseIpRange('fd00::1', 4)).toThrow("invalid IP range 'fd00::1': not an IPv4 range")
    expect(() => parseIpRange('10.0.0.1-10.0.0.2', 6)).toThrow("invalid IP range '10.0.0.1-10.0.0.2': not an IPv6 range")
    expect(parseIpRange('10.0.0.1', 4).family).toBe(4)
  })
})

describe('parseIpRanges', () => {
  it('keeps entries in order, unmerged', () => {
    expect(parseIpRanges(['10.0.0.5', '10.0.0.1-10.0.0.5'], 4)).toEqual([
      { family: 4, start: 0x0a000005n, end: 0x0a000005n },
      { family: 4, start: 0x0a000001n, end: 0x0a000005n },
    ])
    expect(parseIpRanges([])).toEqual([])
  })

  it('names the bad entry', () => {
    expect(() => parseIpRanges(['10.0.0.1', '10.0.0.300'])).toThrow("invalid IP range '10.0.0.300': '10.0.0.300' is not an IP address")
  })
})
