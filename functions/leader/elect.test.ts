import { describe, expect, it, vi } from 'vitest'
import { StoreConflict, type LeaseStore, type WatchHandler, type WatchKind, type WatchSource } from '../../shared/store/store.ts'
import type { LeaseView } from '../../shared/api/views.ts'
import { createElection, type Election } from './elect.ts'

/** One Lease with resourceVersions, as the API server keeps it, and its watchers. */
class Leases implements LeaseStore, Pick<WatchSource, 'watch'> {
  lease: LeaseView | undefined
  writes: string[] = []
  private version = 0
  private readonly handlers = new Set<WatchHandler<'Lease'>>()
  async getLease() {
    return this.lease && { ...this.lease }
  }
  async createLease(lease: LeaseView) {
    if (this.lease) throw new StoreConflict('Lease', lease.name)
    return this.put(lease, 'ADDED')
  }
  async replaceLease(lease: LeaseView) {
    if (lease.resourceVersion !== this.lease?.resourceVersion) throw new StoreConflict('Lease', lease.name)
    return this.put(lease, 'MODIFIED')
  }
  watch<K extends WatchKind>(_kind: K, onEvent: WatchHandler<K>) {
    const handler = onEvent as unknown as WatchHandler<'Lease'>
    this.handlers.add(handler)
    if (this.lease) handler('ADDED', { ...this.lease })
    return () => void this.handlers.delete(handler)
  }
  private put(lease: LeaseView, type: 'ADDED' | 'MODIFIED') {
    this.lease = { ...lease, resourceVersion: String(++this.version) }
    this.writes.push(lease.holderIdentity)
    for (const h of this.handlers) h(type, { ...this.lease })
    return { ...this.lease }
  }
}

const candidate = (leases: Leases, identity: string, log: string[]) =>
  createElection({
    store: leases,
    source: leases,
    namespace: 'spinneret-system',
    name: 'spinneret-leader',
    identity,
    leaseSeconds: 0.6,
    renewSeconds: 0.1,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  })

describe('leader election', () => {
  it('elects one leader, which renews; the others wait', async () => {
    const leases = new Leases()
    const log: string[] = []
    const [a, b, c] = ['a', 'b', 'c'].map((id) => candidate(leases, id, log)) as [Election, Election, Election]
    a.start()
    await vi.waitFor(() => expect(a.isLeader()).toBe(true))
    b.start()
    c.start()
    await new Promise((r) => setTimeout(r, 1000))
    expect([a.isLeader(), b.isLeader(), c.isLeader()]).toEqual([true, false, false])
    expect(new Set(leases.writes)).toEqual(new Set(['a']))
    expect(leases.writes.length).toBeGreaterThan(5) // renewals
    expect(log).toEqual(['a leads'])
    await Promise.all([a.stop(), b.stop(), c.stop()])
  })

  it('hands over at once when the leader stops', async () => {
    const leases = new Leases()
    const log: string[] = []
    const [a, b, c] = ['a', 'b', 'c'].map((id) => candidate(leases, id, log)) as [Election, Election, Election]
    a.start()
    await vi.waitFor(() => expect(a.isLeader()).toBe(true))
    b.start()
    c.start()
    await new Promise((r) => setTimeout(r, 200))
    const stopped = performance.now()
    await a.stop()
    await vi.waitFor(() => expect(b.isLeader() || c.isLeader()).toBe(true))
    expect(performance.now() - stopped).toBeLessThan(400) // given up: not the 600 ms of the lease
    expect(b.isLeader() && c.isLeader()).toBe(false)
    expect(log.slice(0, 2)).toEqual(['a leads', 'a stops'])
    await Promise.all([b.stop(), c.stop()])
  })

  it('takes over from a leader that died, once its lease expired', async () => {
    const leases = new Leases()
    const log: string[] = []
    // The dead process: its calls hang, its watch says nothing more.
    let dead = false
    const hang = new Promise<never>(() => {})
    const deadStore: LeaseStore & Pick<WatchSource, 'watch'> = {
      getLease: () => (dead ? hang : leases.getLease()),
      createLease: (l) => (dead ? hang : leases.createLease(l)),
      replaceLease: (l) => (dead ? hang : leases.replaceLease(l)),
      watch: (kind, h) => leases.watch(kind, (t, o) => dead || h(t, o)),
    }
    const a = createElection({
      store: deadStore,
      source: deadStore,
      namespace: 'n',
      name: 'spinneret-leader',
      identity: 'a',
      leaseSeconds: 0.6,
      renewSeconds: 0.1,
      onStartedLeading: () => log.push('a leads'),
      onStoppedLeading: () => {},
    })
    a.start()
    await vi.waitFor(() => expect(a.isLeader()).toBe(true))
    const b = candidate(leases, 'b', log)
    b.start()
    await new Promise((r) => setTimeout(r, 300))
    expect(b.isLeader()).toBe(false)
    dead = true
    const died = performance.now()
    await vi.waitFor(() => expect(b.isLeader()).toBe(true), { timeout: 3000, interval: 20 })
    const took = performance.now() - died
    expect(took).toBeGreaterThan(300) // it waited for the lease...
    expect(took).toBeLessThan(1500) // ...and not much longer
    expect(leases.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 })
    await b.stop()
  })
})
