import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AllocatedIPs } from '../api/index.ts'
import { parseIpRanges } from '../ip/index.ts'
import { assignInPool, type AssignRequest } from './assign.ts'
import { releaseInPool } from './release.ts'

const v4 = (...entries: string[]) => parseIpRanges(entries, 4)
const req = (name: string, nic = 'eth0', extra: Partial<AssignRequest> = {}): AssignRequest => ({
  pod: `default/${name}`,
  podUid: `uid-${name}`,
  nic,
  ...extra,
})

describe('assignInPool', () => {
  it('hands out the lowest free address and records pod and uid, as Spiderpool v1.2 does (no NIC)', () => {
    const records: AllocatedIPs = { '10.6.0.1': { pod: 'default/x', podUid: 'uid-x' } }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('a')])
    expect(d.outcomes).toEqual([{ ok: true, ip: '10.6.0.2', how: 'fresh' }])
    expect(d.records['10.6.0.2']).toEqual({ pod: 'default/a', podUid: 'uid-a' })
    expect(d.changed).toBe(true)
    expect(Object.keys(records)).toEqual(['10.6.0.1'])
  })

  it('gives the same pod NIC the same address again without a change, once told what its other NICs hold', () => {
    const first = assignInPool(4, {}, v4('10.6.0.1-10.6.0.3'), [req('a')])
    // The record does not say which NIC holds it: the caller must read the endpoint first.
    const unsure = assignInPool(4, first.records, v4('10.6.0.1-10.6.0.3'), [req('a')])
    expect(unsure.outcomes).toEqual([{ ok: false, reason: 'unknown-owner' }])
    expect(unsure.changed).toBe(false)
    const again = assignInPool(4, first.records, v4('10.6.0.1-10.6.0.3'), [req('a', 'eth0', { others: [] })])
    expect(again.outcomes).toEqual([{ ok: true, ip: '10.6.0.1', how: 'existing' }])
    expect(again.changed).toBe(false)
  })

  it("never gives a NIC an address that the pod's other NIC holds", () => {
    const records: AllocatedIPs = { '10.6.0.1': { pod: 'default/a', podUid: 'uid-a' } }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('a', 'net1', { others: ['10.6.0.1'] })])
    expect(d.outcomes).toEqual([{ ok: true, ip: '10.6.0.2', how: 'fresh' }])
  })

  it('still reads the NIC of records that name it (written by earlier Spinneret versions)', () => {
    const records: AllocatedIPs = {
      '10.6.0.1': { interface: 'eth0', pod: 'default/a', podUid: 'uid-a' },
      '10.6.0.2': { interface: 'net1', pod: 'default/a', podUid: 'uid-a' },
    }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('a', 'net1'), req('a', 'eth0')])
    expect(d.outcomes).toEqual([
      { ok: true, ip: '10.6.0.2', how: 'existing' },
      { ok: true, ip: '10.6.0.1', how: 'existing' },
    ])
    expect(d.changed).toBe(false)
  })

  it('gives a second NIC of the same pod its own address', () => {
    const d = assignInPool(4, {}, v4('10.6.0.1-10.6.0.3'), [req('a', 'eth0'), req('a', 'net1')])
    expect(d.outcomes.map((o) => o.ok && o.ip)).toEqual(['10.6.0.1', '10.6.0.2'])
  })

  it('serves a batch in order and reports used-out past the last address', () => {
    const d = assignInPool(4, {}, v4('10.6.0.1-10.6.0.2'), [req('a'), req('b'), req('c')])
    expect(d.outcomes).toEqual([
      { ok: true, ip: '10.6.0.1', how: 'fresh' },
      { ok: true, ip: '10.6.0.2', how: 'fresh' },
      { ok: false, reason: 'used-out' },
    ])
  })

  it('a new pod with the same name but a new UID gets a fresh address', () => {
    const records: AllocatedIPs = { '10.6.0.1': { interface: 'eth0', pod: 'default/a', podUid: 'old' } }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('a')])
    expect(d.outcomes).toEqual([{ ok: true, ip: '10.6.0.2', how: 'fresh' }])
  })

  it('restores a StatefulSet predecessor address and rewrites the record UID', () => {
    const records: AllocatedIPs = { '10.6.0.3': { interface: 'eth0', pod: 'default/db-0', podUid: 'old' } }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('db-0', 'eth0', { previous: { ip: '10.6.0.3', podUid: 'old' } }), req('b')])
    expect(d.outcomes).toEqual([
      { ok: true, ip: '10.6.0.3', how: 'restored' },
      { ok: true, ip: '10.6.0.1', how: 'fresh' },
    ])
    expect(d.records['10.6.0.3']?.podUid).toBe('uid-db-0')
  })

  it('does not restore an address that another pod holds now', () => {
    const records: AllocatedIPs = { '10.6.0.3': { pod: 'default/other', podUid: 'other' } }
    const d = assignInPool(4, records, v4('10.6.0.1-10.6.0.3'), [req('db-0', 'eth0', { previous: { ip: '10.6.0.3', podUid: 'old' } })])
    expect(d.outcomes).toEqual([{ ok: true, ip: '10.6.0.1', how: 'fresh' }])
    expect(d.records['10.6.0.3']?.podUid).toBe('other')
  })

  it('restores a released predecessor address only while it is still available', () => {
    const previous = { ip: '10.6.0.3', podUid: 'old' }
    const free = assignInPool(4, {}, v4('10.6.0.1-10.6.0.3'), [req('db-0', 'eth0', { previous })])
    expect(free.outcomes[0]).toEqual({ ok: true, ip: '10.6.0.3', how: 'restored' })
    const excluded = assignInPool(4, {}, v4('10.6.0.1-10.6.0.2'), [req('db-0', 'eth0', { previous })])
    expect(excluded.outcomes[0]).toEqual({ ok: true, ip: '10.6.0.1', how: 'fresh' })
  })

  it('works on IPv6 and a huge range', () => {
    const d = assignInPool(6, { 'fd00::': { pod: 'x/y', podUid: 'u' } }, parseIpRanges(['fd00::-fd00::ffff:ffff:ffff:ffff'], 6), [req('a')])
    expect(d.outcomes).toEqual([{ ok: true, ip: 'fd00::1', how: 'fresh' }])
  })
})

describe('releaseInPool', () => {
  const records: AllocatedIPs = {
    '10.6.0.1': { interface: 'eth0', pod: 'default/a', podUid: 'uid-a' },
    '10.6.0.2': { interface: 'net1', pod: 'default/a', podUid: 'uid-a' },
    '10.6.0.3': { interface: 'eth0', pod: 'default/b', podUid: 'uid-b' },
  }

  it('removes a record only when IP and UID both match', () => {
    expect(releaseInPool(records, [{ podUid: 'uid-b', ip: '10.6.0.1' }]).changed).toBe(false)
    const d = releaseInPool(records, [{ podUid: 'uid-a', ip: '10.6.0.1' }])
    expect(d.released).toEqual([['10.6.0.1']])
    expect(Object.keys(d.records)).toEqual(['10.6.0.2', '10.6.0.3'])
  })

  it('keeps the addresses of the other NICs when a NIC is released without its address', () => {
    const plain: AllocatedIPs = { '10.6.0.1': { pod: 'default/a', podUid: 'uid-a' }, '10.6.0.2': { pod: 'default/a', podUid: 'uid-a' } }
    const d = releaseInPool(plain, [{ podUid: 'uid-a', nic: 'net1', keep: ['10.6.0.1'] }])
    expect(d.released).toEqual([['10.6.0.2']])
  })

  it('releases by NIC where records name it, and is idempotent', () => {
    const d = releaseInPool(records, [
      { podUid: 'uid-a', nic: 'net1' },
      { podUid: 'uid-a', nic: 'net1' },
    ])
    expect(d.released).toEqual([['10.6.0.2'], []])
    expect(releaseInPool(d.records, [{ podUid: 'uid-a', nic: 'net1' }]).changed).toBe(false)
  })
})

describe('invariants', () => {
  it('never hands out an excluded or allocated address, nor one twice; release then assign round-trips', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 63 }), { maxLength: 40 }), fc.integer({ min: 1, max: 80 }), (takenOffsets, wanted) => {
        const available = v4('10.9.0.0-10.9.0.63')
        const records: AllocatedIPs = Object.fromEntries(takenOffsets.map((o) => [`10.9.0.${o}`, { pod: `x/p${o}`, podUid: `t${o}` }]))
        const requests = Array.from({ length: wanted }, (_, i) => req(`n${i}`))
        const d = assignInPool(4, records, available, requests)
        const given = d.outcomes.flatMap((o) => (o.ok ? [o.ip] : []))
        expect(new Set(given).size).toBe(given.length)
        for (const ip of given) expect(records[ip]).toBeUndefined()
        expect(given.length).toBe(Math.min(wanted, 64 - takenOffsets.length))
        expect(Object.keys(d.records).length).toBe(takenOffsets.length + given.length)
        const back = releaseInPool(
          d.records,
          requests.map((r) => ({ podUid: r.podUid })),
        )
        expect(back.records).toEqual(records)
      }),
    )
  })
})
