import { describe, expect, it } from 'vitest'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import { ipPool } from './memory-fixtures.testkit.ts'
import { PoolWriter } from './pool-writer.ts'

const request = (n: number) => ({ pod: `ns/p${n}`, podUid: `u${n}`, nic: 'eth0' })
const noWait = { retry: { sleep: async () => {} } }

/** A writer whose drains run one job per round, and another process's writer on the same store. */
const drainWithInterloper = () => {
  const store = new MemoryStore()
  store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'] }))
  return { store, writer: new PoolWriter(store, { ...noWait, maxBatch: 1 }), other: new PoolWriter(store, noWait) }
}

/** Runs `meanwhile` right after the store's first pool status write, before its caller goes on. */
const afterFirstWrite = (store: MemoryStore, meanwhile: () => Promise<unknown>) => {
  const replace = store.replacePoolStatus
  let first = true
  store.replacePoolStatus = async (pool, status) => {
    const written = await replace(pool, status)
    if (first) {
      first = false
      await meanwhile()
    }
    return written
  }
}

describe('PoolWriter', () => {
  it("writes a status decided elsewhere in the pool's turn, after the round in flight, conditionally", async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'] }))
    const writer = new PoolWriter(store, noWait)
    const read = (await store.getPool('p'))!
    const assigned = writer.assign('p', request(1))
    const recount = writer.writeStatus(read, { ...read.status, allocatedIPCount: 0, totalIPCount: 9 })
    // The assignment's round wrote first: the status decided on the older read loses its race.
    expect(await assigned).toMatchObject({ ok: true })
    await expect(recount).rejects.toThrow(/modified concurrently/)
    const current = (await store.getPool('p'))!
    expect(current.status.allocatedIPCount).toBe(1)
    const written = await writer.writeStatus(current, { ...current.status, totalIPCount: 9 })
    expect(written.status).toMatchObject({ allocatedIPCount: 1, totalIPCount: 9 })
    expect(writer.metrics.writes).toBe(3)
  })

  it('answers a pool disabled since selection as unavailable, writing nothing', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'], disable: true }))
    const outcome = await new PoolWriter(store, noWait).assign('p', request(1))
    expect(outcome).toMatchObject({ ok: false, reason: 'unavailable', why: 'disabled IPPool p' })
    expect(store.writes).toBe(0)
  })

  it('decides a release and the assignments waiting with it in one round and one write', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1'] }))
    const writer = new PoolWriter(store, noWait)
    expect(await writer.assign('p', request(1))).toMatchObject({ ok: true, ip: '10.1.0.1' })
    const [released, next] = await Promise.all([writer.release('p', { podUid: 'u1' }), writer.assign('p', request(2))])
    expect(released).toEqual(['10.1.0.1'])
    expect(next).toMatchObject({ ok: true, ip: '10.1.0.1' })
    expect(writer.metrics.writes).toBe(2)
  })

  it('re-reads and decides again when another process wrote first', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.2'] }))
    const other = new PoolWriter(store, noWait)
    const writer = new PoolWriter(store, noWait)
    // The first read of `writer` is answered, then `other` writes before `writer` can.
    const getPool = store.getPool
    let first = true
    store.getPool = async (name) => {
      const pool = await getPool(name)
      if (first) {
        first = false
        await other.assign('p', request(9))
      }
      return pool
    }
    expect(await writer.assign('p', request(1))).toMatchObject({ ok: true, ip: '10.1.0.2' })
    expect(writer.metrics.conflicts).toBe(1)
    const records = parseAllocatedIPs(store.pools.get('p')?.status.allocatedIPs, 'p')
    expect(Object.fromEntries(Object.entries(records).map(([ip, r]) => [ip, r.podUid]))).toEqual({ '10.1.0.1': 'u9', '10.1.0.2': 'u1' })
  })

  it('reads a pool once for the rounds of one drain, each round starting from the previous write', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'] }))
    const writer = new PoolWriter(store, { ...noWait, maxBatch: 1 })
    let reads = 0
    const getPool = store.getPool
    store.getPool = async (name) => (reads++, getPool(name))
    const outcomes = await Promise.all([1, 2, 3].map((n) => writer.assign('p', request(n))))
    expect(outcomes.map((o) => o.ok && o.ip)).toEqual(['10.1.0.1', '10.1.0.2', '10.1.0.3'])
    expect(reads).toBe(1)
    expect(writer.metrics.writes).toBe(3)
  })

  it('re-reads a carried pool that another process changed: the conditional write fails first', async () => {
    const { store, writer, other } = drainWithInterloper()
    afterFirstWrite(store, () => other.assign('p', request(9))) // between this drain's first and second round
    const [a, b] = await Promise.all([writer.assign('p', request(1)), writer.assign('p', request(2))])
    expect([a.ok && a.ip, b.ok && b.ip]).toEqual(['10.1.0.1', '10.1.0.3'])
    expect(writer.metrics.conflicts).toBe(1)
  })

  it('answers a decision that writes nothing from the latest pool, never from the carried one', async () => {
    const { store, writer, other } = drainWithInterloper()
    afterFirstWrite(store, () => other.release('p', { podUid: 'u1' })) // frees what the first round just gave u1
    // The second is a retried ADD of the same pod: the carried pool still shows its record.
    const [, again] = await Promise.all([writer.assign('p', request(1)), writer.assign('p', request(1))])
    expect(again).toMatchObject({ ok: true, how: 'fresh' })
    const records = parseAllocatedIPs(store.pools.get('p')?.status.allocatedIPs, 'p')
    expect(Object.values(records).map((r) => r.podUid)).toEqual(['u1'])
  })

  it('starts from the pool the request saw, and re-reads when that view was stale', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('p', { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.9'] }))
    const writer = new PoolWriter(store, noWait)
    let reads = 0
    const getPool = store.getPool
    store.getPool = async (name) => (reads++, getPool(name))
    const seen = await getPool('p')
    expect(await writer.assign('p', request(1), { pool: seen })).toMatchObject({ ok: true, ip: '10.1.0.1' })
    expect(reads).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 0)) // that drain has ended
    // `seen` is now one write behind: its write conflicts, the round reads the latest.
    expect(await writer.assign('p', request(2), { pool: seen })).toMatchObject({ ok: true, ip: '10.1.0.2' })
    expect([reads, writer.metrics.conflicts]).toEqual([1, 1])
  })
})
