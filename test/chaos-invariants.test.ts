// The chaos run's invariants (scripts/chaos/invariants.ts) on hand-made snapshots: each rule
// fires on the state it forbids and stays quiet on a sound one.
import { describe, expect, it } from 'vitest'
import { violations, type Snapshot } from '../scripts/chaos/invariants.ts'

const sound = (): Snapshot => ({
  pools: [{ name: 'a', records: 2, allocatedIPCount: 2 }],
  records: [
    { pool: 'a', ip: '198.18.6.40', pod: 'ns/p1', podUid: 'u1' },
    { pool: 'a', ip: '198.18.6.41', pod: 'ns/p2', podUid: 'u2' },
  ],
  pods: [
    { key: 'ns/p1', uid: 'u1', ip: '198.18.6.40', running: true, terminating: false },
    { key: 'ns/p2', uid: 'u2', ip: '198.18.6.41', running: true, terminating: false },
    { key: 'ns/p3', uid: 'u3', running: false, terminating: false },
  ],
  sandboxFailures: ['plugin type="macvlan" failed (add): IPAM service not ready: the SpiderIPPool watch has not listed yet'],
})

describe('chaos invariants', () => {
  it('holds for a sound snapshot (a pending pod without an address, a transient failure)', () => {
    expect(violations(sound())).toEqual([])
  })

  it('finds an address recorded twice or held by two running pods', () => {
    const s = sound()
    s.records.push({ pool: 'b', ip: '198.18.6.40', pod: 'ns/p2', podUid: 'u2' })
    s.pods[1]!.ip = '198.18.6.40'
    expect(violations(s).map((v) => v.rule)).toEqual(expect.arrayContaining(['duplicate-address', 'duplicate-address']))
    expect(violations(s).filter((v) => v.rule === 'duplicate-address')).toHaveLength(2)
  })

  it('finds a record whose pod is gone or is another incarnation', () => {
    const s = sound()
    s.records[0]!.podUid = 'u-old'
    expect(violations(s).map((v) => v.rule)).toContain('record-without-pod')
    expect(violations(s).map((v) => v.rule)).toContain('pod-without-record')
  })

  it('finds a running pod whose address nobody recorded', () => {
    const s = sound()
    s.records.pop()
    s.pools[0]!.records = 1
    s.pools[0]!.allocatedIPCount = 1
    expect(violations(s)).toEqual([{ rule: 'pod-without-record', detail: 'running pod ns/p2 (u2) has 198.18.6.41, recorded nowhere' }])
  })

  it('finds a pool whose count is not its number of records', () => {
    const s = sound()
    s.pools[0]!.allocatedIPCount = 3
    expect(violations(s)).toEqual([{ rule: 'count-mismatch', detail: 'a counts 3 with 2 records' }])
  })

  it('finds an allocation refused for want of addresses', () => {
    const s = sound()
    s.sandboxFailures.push('plugin type="macvlan" failed (add): all IP addresses used out')
    expect(violations(s).map((v) => v.rule)).toEqual(['refused-with-free-addresses'])
  })
})
