import { describe, expect, it } from 'vitest'
import { FINALIZER, IP_COUNT_CAP } from '../api/index.ts'
import { allocations, pool, refusal, TERMINATING } from './fixtures.testkit.ts'
import { decidePool, nextPoolStatus, poolIsSettled } from './pool.ts'

describe('nextPoolStatus', () => {
  it.each([
    ['one range', { ips: ['10.6.0.1-10.6.0.10'] }, 2, 10],
    ['excludeIPs subtracted', { ips: ['10.6.0.1-10.6.0.10'], excludeIPs: ['10.6.0.5', '10.6.0.9-10.6.0.10'] }, 0, 7],
    ['overlapping entries counted once', { ips: ['10.6.0.1-10.6.0.5', '10.6.0.3-10.6.0.8'] }, 1, 8],
    ['excludeIPs outside ips ignored', { ips: ['10.6.0.1-10.6.0.4'], excludeIPs: ['10.6.1.1-10.6.1.200'] }, 0, 4],
    ['no ips', {}, 0, 0],
    ['everything excluded', { ips: ['10.6.0.1-10.6.0.4'], excludeIPs: ['10.6.0.0-10.6.0.255'] }, 0, 0],
    ['a /31 as a range', { subnet: '10.6.0.0/31', ips: ['10.6.0.0-10.6.0.1'] }, 0, 2],
    ['a /32 as one IP', { subnet: '10.6.0.7/32', ips: ['10.6.0.7'] }, 0, 1],
    ['IPv6 /127', { subnet: 'fd00::/127', ips: ['fd00::-fd00::1'] }, 0, 2],
    ['IPv6 /128', { subnet: 'fd00::1/128', ips: ['fd00::1'] }, 0, 1],
    ['IPv6 with explicit ipVersion', { ipVersion: 6, subnet: 'fd00::/64', ips: ['fd00::10-fd00::1f'], excludeIPs: ['fd00::10'] }, 0, 15],
  ])('%s', (_, spec, allocated, total) => {
    const status = nextPoolStatus(pool('p', spec, { status: { allocatedIPs: allocations(allocated) } }))
    expect(status).toMatchObject({ allocatedIPCount: allocated, totalIPCount: total })
  })

  it.each([
    ['a /64', 'fd00::/64', 'fd00::-fd00::ffff:ffff:ffff:ffff'],
    ['all of IPv6', '::/0', '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('caps the count of %s without enumerating it', (_, subnet, range) => {
    const started = performance.now()
    expect(nextPoolStatus(pool('p', { subnet, ips: [range] }))?.totalIPCount).toBe(IP_COUNT_CAP)
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('keeps allocatedIPs byte for byte, even in an order Spinneret would not write', () => {
    const allocatedIPs = '{"10.6.0.2":{"pod":"a/b","podUid":"2"},  "10.6.0.10":{"pod":"a/c","podUid":"10"}}'
    const status = nextPoolStatus(pool('p', { ips: ['10.6.0.1-10.6.0.10'] }, { status: { allocatedIPs } }))
    expect(status).toEqual({ allocatedIPs, allocatedIPCount: 2, totalIPCount: 10 })
  })

  it('says nothing changed when the counts are right', () => {
    const status = { allocatedIPs: allocations(3), allocatedIPCount: 3, totalIPCount: 10 }
    expect(nextPoolStatus(pool('p', { ips: ['10.6.0.1-10.6.0.10'] }, { status }))).toBeUndefined()
  })

  it('writes counts of zero for a fresh pool rather than leaving them absent', () => {
    expect(nextPoolStatus(pool('p', { ips: ['10.6.0.1'] }))).toEqual({ allocatedIPCount: 0, totalIPCount: 1 })
  })

  it.each([
    ['a malformed range', { ips: ['10.6.0.9-10.6.0.1'] }, {}, /^SpiderIPPool p: spec\.ips: invalid IP range '10\.6\.0\.9-10\.6\.0\.1'/],
    ['an IPv6 entry in an IPv4 pool', { ips: ['fd00::1'] }, {}, /^SpiderIPPool p: spec\.ips: .*not an IPv4 range/],
    ['a malformed excludeIPs entry', { ips: ['10.6.0.1'], excludeIPs: ['x'] }, {}, /^SpiderIPPool p: spec\.excludeIPs: /],
    ['a bad subnet without ipVersion', { subnet: '10.6.0.0/33' }, {}, /^SpiderIPPool p: spec\.subnet: invalid CIDR/],
    ['allocatedIPs that are not JSON', {}, { allocatedIPs: '{"10.6.0.1":' }, /^SpiderIPPool p: status\.allocatedIPs: not valid JSON/],
  ])('refuses %s, naming the pool and the field', (_, spec, status, message) => {
    const { code, message: text } = refusal(() => nextPoolStatus(pool('p', spec, { status })))
    expect(code).toBe('invalid-resource')
    expect(text).toMatch(message)
  })
})

describe('decidePool', () => {
  const ips = ['10.6.0.1-10.6.0.10']
  const upToDate = (n: number) => ({ allocatedIPs: allocations(n), allocatedIPCount: n, totalIPCount: 10 })

  it.each([
    ['live, without finalizer', [], undefined, 0, { finalizers: [FINALIZER], change: 'finalizer-added' }],
    ['live, with another finalizer', ['x.io/keep'], undefined, 0, { finalizers: ['x.io/keep', FINALIZER], change: 'finalizer-added' }],
    ['live, with it', [FINALIZER], undefined, 2, undefined],
    ['terminating, no allocations', ['x.io/keep', FINALIZER], TERMINATING, 0, { finalizers: ['x.io/keep'], change: 'finalizer-removed' }],
    ['terminating, with allocations', [FINALIZER], TERMINATING, 1, undefined],
    ['terminating, without it (never put back)', [], TERMINATING, 1, undefined],
  ])('finalizer: %s', (_, finalizers, deletionTimestamp, n, expected) => {
    const p = pool('p', { ips }, { metadata: { finalizers, deletionTimestamp }, status: upToDate(n) })
    expect(decidePool(p)).toEqual(expected === undefined ? {} : { finalizer: expected })
  })

  it('adds the finalizer and fixes the status in one decision', () => {
    const decision = decidePool(pool('p', { ips }, { metadata: { finalizers: [] } }))
    expect(decision).toEqual({
      finalizer: { finalizers: [FINALIZER], change: 'finalizer-added' },
      status: { allocatedIPCount: 0, totalIPCount: 10 },
    })
  })

  it('does not bother with the status of a pool it lets go', () => {
    const p = pool('p', { ips }, { metadata: { deletionTimestamp: TERMINATING } })
    expect(decidePool(p)).toEqual({ finalizer: { finalizers: [], change: 'finalizer-removed' } })
  })

  it('still counts a terminating pool that keeps its finalizer', () => {
    const p = pool('p', { ips }, { metadata: { deletionTimestamp: TERMINATING }, status: { allocatedIPs: allocations(2) } })
    expect(decidePool(p)).toEqual({ status: { allocatedIPs: allocations(2), allocatedIPCount: 2, totalIPCount: 10 } })
  })

  it('keeps the finalizer of a terminating pool whose allocations it cannot read', () => {
    const p = pool('p', { ips }, { metadata: { deletionTimestamp: TERMINATING }, status: { allocatedIPs: '[' } })
    expect(refusal(() => decidePool(p)).code).toBe('invalid-resource')
  })
})

describe('poolIsSettled', () => {
  const ips = ['10.6.0.1-10.6.0.10']
  const counts = (n: number, total = 10) => ({ allocatedIPs: allocations(n), allocatedIPCount: n, totalIPCount: total })

  it.each([
    ['finalizer and counts agree', [FINALIZER], counts(2), true],
    ['the finalizer is missing', [], counts(2), false],
    ['allocatedIPCount is behind the records', [FINALIZER], { ...counts(2), allocatedIPCount: 1 }, false],
    ['totalIPCount is stale', [FINALIZER], counts(2, 9), false],
    ['allocatedIPs does not parse', [FINALIZER], { ...counts(0), allocatedIPs: '{oops' }, false],
  ])('%s: %s', (_, finalizers, status, settled) => {
    expect(poolIsSettled(pool('p', { ips }, { metadata: { finalizers }, status }))).toBe(settled)
  })
})
