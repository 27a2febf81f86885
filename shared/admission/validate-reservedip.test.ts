import { describe, expect, it } from 'vitest'
import { parseSpiderReservedIP } from '../api/index.ts'
import { validateReservedIP } from './validate-reservedip.ts'
import type { Verdict } from './verdict.ts'

const reserved = (name: string, spec: Record<string, unknown>) => parseSpiderReservedIP({ metadata: { name }, spec })
const message = (verdict: Verdict): string | undefined => (verdict.allowed ? undefined : verdict.status.message)
const prefix = 'SpiderReservedIP.spiderpool.spidernet.io "r" is invalid: '
const others = [reserved('r4', { ipVersion: 4, ips: ['10.6.0.10-10.6.0.20'] }), reserved('r6', { ipVersion: 6, ips: ['fd00:6::10-fd00:6::20'] })]
const create = (spec: Record<string, unknown>) => message(validateReservedIP({ operation: 'CREATE', reservedIP: reserved('r', spec), reservedIPs: others }))

describe('validateReservedIP', () => {
  it.each([
    ['IPv4 beside another reservation', { ips: ['10.6.0.21-10.6.0.30'] }],
    ['IPv6 beside another reservation', { ipVersion: 6, ips: ['fd00:6::21'] }],
    ['a whole IPv6 /64 (ranges are never expanded)', { ips: ['fd00:7::-fd00:7::ffff:ffff:ffff:ffff'] }],
  ])('admits %s', (_, spec) => {
    expect(create(spec)).toBeUndefined()
  })

  it.each([
    ['no ips', { ipVersion: 4, ips: [] }, 'spec.ips: Required value: requires at least one item'],
    ['no ips nor ipVersion', {}, `spec.ipVersion: Invalid value: "null": is not generated correctly, 'spec.ips' is empty or 'spec.ips[0]' may be invalid`],
    [
      'a bad first entry',
      { ips: ['10.6.0'] },
      `spec.ipVersion: Invalid value: "null": is not generated correctly, 'spec.ips' is empty or 'spec.ips[0]' may be invalid`,
    ],
    ['a mixed-family entry', { ips: ['10.6.0.1', 'fd00::1'] }, `spec.ips[1]: Invalid value: "fd00::1": invalid IP range format in IPv4 'fd00::1'`],
    ['overlapping IPv4', { ips: ['10.6.0.1-10.6.0.10'] }, 'spec.ips: Forbidden: overlaps with ReservedIP r4'],
    ['overlapping IPv6', { ips: ['fd00:6::20-fd00:6::ffff'] }, 'spec.ips: Forbidden: overlaps with ReservedIP r6'],
  ])('refuses %s', (_, spec, expected) => {
    expect(create(spec)).toBe(prefix + expected)
  })

  it('refuses a new ipVersion on update, and lets metadata-only updates pass', () => {
    const stored = reserved('r', { ipVersion: 4, ips: ['10.6.0.30'] })
    expect(
      message(
        validateReservedIP({ operation: 'UPDATE', oldReservedIP: stored, reservedIP: reserved('r', { ipVersion: 6, ips: ['fd00::1'] }), reservedIPs: [] }),
      ),
    ).toBe(`${prefix}spec.ipVersion: Forbidden: is not changeable`)
    expect(validateReservedIP({ operation: 'UPDATE', oldReservedIP: stored, reservedIP: stored, reservedIPs: [stored] })).toEqual({ allowed: true })
  })
})
