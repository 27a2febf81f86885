import { beforeEach, describe, expect, it } from 'vitest'
import { FINALIZER, parseAllocatedIPs } from '../../shared/api/index.ts'
import { IpamError } from '../../shared/errors.ts'
import { createLogger } from '../../shared/log.ts'
import { allocations, pool, TERMINATING } from '../../shared/reconcile/fixtures.testkit.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import { PoolWriter } from '../lib/pool-writer.ts'
import { reconcile } from './index.ts'

const noWait = { sleep: async () => {} }
const ips = ['10.6.0.1-10.6.0.10']

let store: MemoryStore
let lines: string[]
const deps = () => ({ store, log: createLogger({ write: (line) => lines.push(line) }), retry: noWait })
const stored = (name = 'p') => store.pools.get(name)

beforeEach(() => {
  store = new MemoryStore()
  lines = []
})

describe('reconcile-ippool', () => {
  it('does nothing for a pool that does not exist', async () => {
    expect(await reconcile('missing', deps())).toEqual({ result: 'gone' })
    expect(store.writes).toBe(0)
  })

  it('adds the finalizer and writes the counts of a new pool', async () => {
    store.putPool(pool('p', { ips, excludeIPs: ['10.6.0.10'] }, { metadata: { finalizers: [] }, status: { allocatedIPs: allocations(2) } }))
    expect(await reconcile('p', deps())).toEqual({ result: 'updated', changes: ['finalizer-added', 'status'] })
    expect(stored()?.metadata.finalizers).toEqual([FINALIZER])
    expect(stored()?.status).toEqual({ allocatedIPs: allocations(2), allocatedIPCount: 2, totalIPCount: 9 })
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', pool: 'p', allocatedIPCount: 2, totalIPCount: 9 })
  })

  it("writes the counts through the process's PoolWriter when it has one", async () => {
    store.putPool(pool('p', { ips, excludeIPs: ['10.6.0.10'] }, { status: { allocatedIPs: allocations(2) } }))
    const poolWriter = new PoolWriter(store, { retry: noWait })
    expect(await reconcile('p', { ...deps(), poolWriter })).toEqual({ result: 'updated', changes: ['status'] })
    expect(stored()?.status).toMatchObject({ allocatedIPCount: 2, totalIPCount: 9 })
    expect(poolWriter.metrics.writes).toBe(1)
  })

  it('writes nothing when the pool is up to date', async () => {
    store.putPool(pool('p', { ips }, { status: { allocatedIPs: allocations(1), allocatedIPCount: 1, totalIPCount: 10 } }))
    expect(await reconcile('p', deps())).toEqual({ result: 'unchanged' })
    expect(store.writes).toBe(0)
  })

  it('after losing a race to an allocation, re-reads and counts that allocation too', async () => {
    store.putPool(pool('p', { ips }, { status: { allocatedIPs: allocations(2) } }))
    const write = store.replacePoolStatus
    let tries = 0
    store.replacePoolStatus = async (p, status) => {
      // An allocation lands between our read and our write.
      if (++tries === 1) store.putPool(pool('p', { ips }, { status: { allocatedIPs: allocations(3) } }))
      return write(p, status)
    }
    expect(await reconcile('p', deps())).toEqual({ result: 'updated', changes: ['status'] })
    expect(tries).toBe(2)
    expect(stored()?.status.allocatedIPCount).toBe(3)
    expect(Object.keys(parseAllocatedIPs(stored()?.status.allocatedIPs, 'p'))).toHaveLength(3)
    expect(store.writes).toBe(1)
  })

  it('reports a finalizer written before a status write that lost its race', async () => {
    store.putPool(pool('p', { ips }, { metadata: { finalizers: [] } }))
    const write = store.replacePoolStatus
    let tries = 0
    store.replacePoolStatus = async (p, status) => {
      if (++tries === 1) store.putPool({ ...(stored() ?? p) })
      return write(p, status)
    }
    expect(await reconcile('p', deps())).toEqual({ result: 'updated', changes: ['finalizer-added', 'status'] })
    expect(stored()?.metadata.finalizers).toEqual([FINALIZER])
  })

  it('gives up with try-again when every try loses', async () => {
    store.putPool(pool('p', { ips }))
    const write = store.replacePoolStatus
    store.replacePoolStatus = async (p, status) => {
      store.putPool({ ...(stored() ?? p) })
      return write(p, status)
    }
    const error = await reconcile('p', { ...deps(), retry: { ...noWait, attempts: 3 } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IpamError)
    expect((error as IpamError).code).toBe('try-again')
  })

  it('treats a pool deleted between read and write as gone', async () => {
    store.putPool(pool('p', { ips }))
    const write = store.replacePoolStatus
    store.replacePoolStatus = async (p, status) => {
      store.pools.delete('p')
      return write(p, status)
    }
    expect(await reconcile('p', deps())).toEqual({ result: 'gone' })
  })

  it('treats a write refused because the pool is gone (a 404 from the API server) as gone', async () => {
    store.putPool(pool('p', { ips }))
    store.replacePoolStatus = async () => {
      store.pools.delete('p')
      throw new IpamError('invalid-request', 'Kubernetes API refused write SpiderIPPool p (404): not found')
    }
    expect(await reconcile('p', deps())).toEqual({ result: 'gone' })
  })

  it('lets a terminating pool without allocations go, leaving its status alone', async () => {
    store.putPool(pool('p', { ips }, { metadata: { deletionTimestamp: TERMINATING } }))
    expect(await reconcile('p', deps())).toEqual({ result: 'updated', changes: ['finalizer-removed'] })
    // Its last finalizer gone, the API server removes it; the finalizer was the only write.
    expect(stored()).toBeUndefined()
    expect(store.writes).toBe(1)
  })

  it('keeps the finalizer of a terminating pool with allocations', async () => {
    const status = { allocatedIPs: allocations(1), allocatedIPCount: 1, totalIPCount: 10 }
    store.putPool(pool('p', { ips }, { metadata: { deletionTimestamp: TERMINATING }, status }))
    expect(await reconcile('p', deps())).toEqual({ result: 'unchanged' })
  })

  it.each([
    ['IPs that do not parse', { ips: ['10.6.0.1-10.6.0.x'] }, {}, /spec\.ips/],
    ['allocatedIPs that are not JSON', { ips }, { allocatedIPs: 'not json' }, /status\.allocatedIPs/],
  ])('logs and leaves alone a pool with %s', async (_, spec, status, reason) => {
    store.putPool(pool('p', spec, { status }))
    const outcome = await reconcile('p', deps())
    expect(outcome).toMatchObject({ result: 'invalid', reason: expect.stringMatching(reason) })
    expect(store.writes).toBe(0)
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', function: 'reconcile-ippool', pool: 'p' })
  })

  it('passes on an API server that is down', async () => {
    store.putPool(pool('p', { ips }))
    store.replacePoolStatus = async () => {
      throw new IpamError('try-again', 'Kubernetes API unavailable')
    }
    await expect(reconcile('p', deps())).rejects.toThrow('Kubernetes API unavailable')
  })
})
