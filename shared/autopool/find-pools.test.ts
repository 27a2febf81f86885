import { describe, expect, it } from 'vitest'
import { LABEL } from '../api/index.ts'
import { autoPool, db, want4, web } from './fixtures.testkit.ts'
import { findAutoPool, poolsToReclaim } from './find-pools.ts'

const successor = { ...web, uid: '99999999-0000-0000-0000-000000000000' }
const kept = autoPool(web, ['10.9.0.1'], { name: 'auto4-web-eth0-kept1', labels: { [LABEL.ippoolReclaim]: 'false' } })
const reclaimed = autoPool(web, ['10.9.0.2'], { name: 'auto4-web-eth0-old11' })
const mine = autoPool(successor, ['10.9.0.3'], { name: 'auto4-web-eth0-99999' })
const net1 = { ...mine, metadata: { ...mine.metadata, name: 'auto4-web-net1-99999', labels: { ...mine.metadata.labels, [LABEL.interface]: 'net1' } } }
const otherApp = autoPool(db, ['10.9.0.4'])
const manual = { ...otherApp, metadata: { name: 'manual', labels: {} } }

describe('findAutoPool', () => {
  it('finds the pool of the application incarnation, for its NIC and family', () => {
    expect(findAutoPool([reclaimed, kept, net1, mine, otherApp, manual], successor, want4)).toBe(mine)
    expect(findAutoPool([mine], successor, { ...want4, family: 6 })).toBeUndefined()
  })

  it('takes over a pool a predecessor kept, never one that goes with its predecessor', () => {
    expect(findAutoPool([reclaimed, kept, otherApp], successor, want4)).toBe(kept)
    expect(findAutoPool([reclaimed, otherApp], successor, want4)).toBeUndefined()
  })

  it("does not take another kind's pool of the same name", () => {
    const job = { ...successor, apiVersion: 'batch/v1', kind: 'Job' }
    expect(findAutoPool([kept], job, want4)).toBeUndefined()
  })
})

describe('poolsToReclaim', () => {
  it('deletes the reclaimed pools of other incarnations; kept pools stay for a successor', () => {
    expect(poolsToReclaim([reclaimed, kept, mine, otherApp, manual], web, successor)).toEqual([reclaimed])
  })

  it('deletes every reclaimed pool of an application that is gone, but not one being deleted', () => {
    const deleting = { ...mine, metadata: { ...mine.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } }
    expect(poolsToReclaim([reclaimed, kept, deleting, net1, otherApp], web, undefined)).toEqual([reclaimed, net1])
  })
})
