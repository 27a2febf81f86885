import { describe, expect, it } from 'vitest'
import { serializeAllocatedIPs } from '../api/index.ts'
import { pool } from '../reconcile/fixtures.testkit.ts'
import type { Claim } from './claim-registry.ts'
import { claimsOfLivePools, decideClaim, neededRanges } from './decide-claim.ts'
import { formatRanges } from '../ip/index.ts'

const at = (name: string, uid: string, generation: number, spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  pool(name, spec, { metadata: { uid, generation }, status })

const a1 = at('a', 'uid-a', 1, { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], excludeIPs: ['10.6.0.20'] })
const claimA: Claim = { pool: 'a', generation: 1, ips: ['10.6.0.10-10.6.0.19'] }
const b1 = at('b', 'uid-b', 1, { subnet: '10.6.0.0/16', ips: ['10.6.0.15-10.6.0.30'] })

describe('neededRanges', () => {
  it.each([
    [
      'ips − excludeIPs',
      at('p', 'u', 1, { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.9'], excludeIPs: ['10.6.0.5'] }),
      ['10.6.0.1-10.6.0.4', '10.6.0.6-10.6.0.9'],
    ],
    [
      'plus an address a record holds outside them',
      at(
        'p',
        'u',
        1,
        { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.4'] },
        { allocatedIPs: serializeAllocatedIPs({ '10.6.0.5': { pod: 'ns/x', podUid: 'x' }, '10.6.0.9': { pod: 'ns/y', podUid: 'y' } }) },
      ),
      ['10.6.0.1-10.6.0.5', '10.6.0.9'],
    ],
    [
      'an IPv6 /64, as one range',
      at('p', 'u', 1, { subnet: 'fd00:6::/64', ips: ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'] }),
      ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'],
    ],
  ])('%s', (_, p, expected) => {
    expect(formatRanges(neededRanges(p))).toEqual(expected)
  })
})

describe('decideClaim', () => {
  it('claims addresses nobody claimed', () => {
    expect(decideClaim({}, a1)).toEqual({ kind: 'write', claims: { 'uid-a': claimA } })
  })

  it('has nothing to do when the claim for this generation covers the pool', () => {
    expect(decideClaim({ 'uid-a': claimA }, a1)).toEqual({ kind: 'held' })
  })

  it('renews its own claim when the spec moved on, and says when the pool read is behind', () => {
    const a2 = at('a', 'uid-a', 2, { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.12'] })
    expect(decideClaim({ 'uid-a': claimA }, a2)).toEqual({ kind: 'write', claims: { 'uid-a': { pool: 'a', generation: 2, ips: ['10.6.0.10-10.6.0.12'] } } })
    expect(decideClaim({ 'uid-a': { ...claimA, generation: 3 } }, a2)).toEqual({ kind: 'behind' })
  })

  it('asks for the pools behind overlapping claims before it decides', () => {
    expect(decideClaim({ 'uid-a': claimA, 'uid-x': { pool: 'x', generation: 1, ips: ['10.6.0.100'] } }, b1)).toEqual({ kind: 'check', uids: ['uid-a'] })
  })

  it('refuses addresses a live pool claimed first, naming it and the shared ranges', () => {
    expect(decideClaim({ 'uid-a': claimA }, b1, new Map([['uid-a', a1]]))).toEqual({
      kind: 'refused',
      reason: 'IPPool b overlaps IPPool a in IP ranges [10.6.0.15-10.6.0.19], which a claimed first',
    })
  })

  it.each([
    ['the pool is gone', undefined],
    ['the name belongs to a new pool now', at('a', 'uid-a2', 1, { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'] })],
  ])('drops the claim of a pool that no longer exists: %s', (_, holder) => {
    expect(decideClaim({ 'uid-a': claimA }, b1, new Map([['uid-a', holder]]))).toEqual({
      kind: 'write',
      claims: { 'uid-b': { pool: 'b', generation: 1, ips: ['10.6.0.15-10.6.0.30'] } },
    })
  })

  it('renews the claim of a pool that gave addresses up, freeing them for this one', () => {
    const a2 = at('a', 'uid-a', 2, { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.14'] })
    expect(decideClaim({ 'uid-a': claimA }, b1, new Map([['uid-a', a2]]))).toEqual({
      kind: 'write',
      claims: { 'uid-a': { pool: 'a', generation: 2, ips: ['10.6.0.10-10.6.0.14'] }, 'uid-b': { pool: 'b', generation: 1, ips: ['10.6.0.15-10.6.0.30'] } },
    })
  })

  it('keeps addresses a pool gave up while a pod still holds one of them', () => {
    const records = serializeAllocatedIPs({ '10.6.0.16': { pod: 'ns/web', podUid: 'w' } })
    const a2 = at('a', 'uid-a', 2, { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.14'] }, { allocatedIPs: records })
    expect(decideClaim({ 'uid-a': claimA }, b1, new Map([['uid-a', a2]]))).toEqual({
      kind: 'refused',
      reason: 'IPPool b overlaps IPPool a in IP ranges [10.6.0.16], which a claimed first',
    })
  })

  it('compares IPv6 claims as ranges', () => {
    const v6 = at('c', 'uid-c', 1, { subnet: 'fd00:6::/64', ips: ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'] })
    const huge: Claim = { pool: 'd', generation: 1, ips: ['fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'] }
    const d = at('d', 'uid-d', 1, { subnet: 'fd00::/8', ips: huge.ips })
    expect(decideClaim({ 'uid-d': huge, 'uid-a': claimA }, v6, new Map([['uid-d', d]]))).toEqual({
      kind: 'refused',
      reason: 'IPPool c overlaps IPPool d in IP ranges [fd00:6::-fd00:6::ffff:ffff:ffff:ffff], which d claimed first',
    })
  })
})

describe('claimsOfLivePools', () => {
  it('drops the claims of pools not listed (gone, or their name taken by a new pool), or says there is nothing to drop', () => {
    const claims = { 'uid-a': claimA, 'uid-b': { pool: 'b', generation: 1, ips: ['10.6.0.21-10.6.0.30'] } }
    expect(claimsOfLivePools(claims, [a1, b1])).toBeUndefined()
    expect(claimsOfLivePools(claims, [b1, at('a', 'uid-a2', 1, { subnet: '10.6.0.0/16' })])).toEqual({ 'uid-b': claims['uid-b'] })
  })
})
