import { describe, expect, it, vi } from 'vitest'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import { isStoreConflict } from '../../shared/store/store.ts'
import { ipPool } from './memory-fixtures.testkit.ts'
import { PoolClaims } from './pool-claims.ts'
import { PoolWriter } from './pool-writer.ts'

const request = (n: number) => ({ pod: `ns/p${n}`, podUid: `u${n}`, nic: 'eth0' })
const noWait = { retry: { sleep: async () => {} } }
const overlapping = () => {
  const store = new MemoryStore()
  store.putPool(ipPool('a', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'] }))
  store.putPool(ipPool('b', { subnet: '10.1.0.0/24', ips: ['10.1.0.5-10.1.0.20'] }))
  return store
}

describe('PoolClaims', () => {
  it('claims a pool on its first use, then answers from what it remembers for a while', async () => {
    const store = overlapping()
    let now = 0
    const claims = new PoolClaims(store, { now: () => now })
    const getClaims = vi.spyOn(store, 'getClaims')
    const pool = (await store.getPool('a'))!
    expect(await claims.check(pool)).toBeUndefined()
    expect(store.claims.claims).toEqual({ 'uid-a': { pool: 'a', generation: 1, ips: ['10.1.0.1-10.1.0.9'] } })
    const reads = getClaims.mock.calls.length
    expect(await claims.check(pool)).toBeUndefined()
    expect(getClaims.mock.calls.length).toBe(reads)
    // Someone deletes the registry by hand: after the recheck interval the pool claims again.
    store.claims = { claims: {} }
    now = 10_000
    expect(await claims.check(pool)).toBeUndefined()
    expect(Object.keys(store.claims.claims)).toEqual(['uid-a'])
    // Another process finds the claim in its first (cached) read and writes nothing.
    const writes = store.writes
    expect(await new PoolClaims(store).check(pool)).toBeUndefined()
    expect(store.writes).toBe(writes)
  })

  it('of two overlapping pools used at once by two processes, hands out from one only', async () => {
    const store = overlapping()
    const [x, y] = [new PoolWriter(store, noWait), new PoolWriter(store, noWait)]
    const outcomes = await Promise.all([x.assign('a', request(1)), y.assign('b', request(2)), x.assign('b', request(3)), y.assign('a', request(4))])
    const used = ['a', 'b'].filter((name) => Object.keys(parseAllocatedIPs(store.pools.get(name)!.status.allocatedIPs, name)).length > 0)
    expect(used).toHaveLength(1)
    const refused = outcomes.filter((o) => !o.ok)
    expect(refused).toHaveLength(2)
    const loser = used[0] === 'a' ? 'b' : 'a'
    expect(refused[0]).toMatchObject({
      reason: 'unavailable',
      why: `IPPool ${loser} overlaps IPPool ${used[0]} in IP ranges [10.1.0.5-10.1.0.9], which ${used[0]} claimed first`,
    })
  })

  it('frees the addresses of a pool that is gone, and of one that gave them up', async () => {
    const store = overlapping()
    const writer = new PoolWriter(store, noWait)
    expect(await writer.assign('a', request(1))).toMatchObject({ ok: true })
    expect(await writer.assign('b', request(2))).toMatchObject({ ok: false, reason: 'unavailable' })
    // a shrinks (a new generation) but allocates nothing more: b's claim renews a's for it.
    store.putPool(ipPool('a', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.4'] }))
    expect(await writer.assign('b', request(2))).toMatchObject({ ok: true, ip: '10.1.0.5' })
    expect(store.claims.claims['uid-a']).toEqual({ pool: 'a', generation: 2, ips: ['10.1.0.1-10.1.0.4'] })
    store.pools.delete('a')
    store.putPool(ipPool('c', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.4'] }))
    expect(await writer.assign('c', request(3))).toMatchObject({ ok: true, ip: '10.1.0.1' })
    expect(Object.keys(store.claims.claims).sort()).toEqual(['uid-b', 'uid-c'])
  })

  it('asks for the pool again when the registry knows a later generation of it', async () => {
    const store = overlapping()
    const stale = (await store.getPool('a'))!
    store.putPool(ipPool('a', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.2'] }))
    await new PoolClaims(store).check((await store.getPool('a'))!)
    const outcome = await new PoolClaims(store).check(stale).catch((e: unknown) => e)
    expect(isStoreConflict(outcome)).toBe(true)
  })

  it('prunes the claims of deleted pools and keeps the others', async () => {
    const store = overlapping()
    const writer = new PoolWriter(store, noWait)
    await writer.assign('a', request(1))
    store.pools.delete('a')
    await writer.assign('b', request(2))
    store.putPool(ipPool('c', { subnet: '10.2.0.0/24', ips: ['10.2.0.1'] }))
    await writer.assign('c', request(3))
    store.pools.delete('c')
    expect(Object.keys(store.claims.claims).sort()).toEqual(['uid-b', 'uid-c'])
    expect(await writer.claims.prune()).toBe(1)
    expect(Object.keys(store.claims.claims)).toEqual(['uid-b'])
    expect(await writer.claims.prune()).toBe(0)
  })
})
