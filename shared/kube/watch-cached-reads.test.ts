import { describe, expect, it } from 'vitest'
import type { WatchCache } from './kube-watch.ts'
import { MemoryStore } from '../store/memory-store.ts'
import type { WatchKind, WatchedObjects } from '../store/store.ts'
import type { PodView } from '../api/views.ts'
import { watchCachedReads, type WatchCaches } from './watch-cached-reads.ts'

const cacheOf = <T>(objects: Record<string, T>): WatchCache<T> => ({ get: (key) => objects[key], values: () => Object.values(objects) })
const pod = (uid: string): PodView => ({ namespace: 'ns', name: 'p', uid, labels: {}, annotations: {}, ownerReferences: [] })

/** A store that counts its reads, and caches given per kind (a kind absent: no synced watch). */
const setUp = (caches: Partial<{ [K in WatchKind]: WatchCache<WatchedObjects[K]> }>) => {
  const store = new MemoryStore()
  const reads: string[] = []
  for (const method of ['getPod', 'getNode', 'getNamespace', 'listReservedIPs'] as const) {
    const read = store[method] as (...args: unknown[]) => Promise<unknown>
    ;(store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      reads.push(method)
      return read(...args)
    }
  }
  const source: WatchCaches = { cached: (kind) => caches[kind] as never }
  return { store, reads, cached: watchCachedReads(store, source) }
}

describe('watchCachedReads', () => {
  it('answers pod (when a cached read is asked), node, namespace and reserved IPs from the watches', async () => {
    const reserved = { metadata: { name: 'r' }, spec: { ipVersion: 4 as const, ips: ['198.18.0.9'] } }
    const { reads, cached } = setUp({
      Pod: cacheOf({ 'ns/p': pod('u1') }),
      Node: cacheOf({ n1: { name: 'n1', labels: { zone: 'a' }, ready: true } }),
      Namespace: cacheOf({ ns: { name: 'ns', labels: {}, annotations: { a: '1' } } }),
      SpiderReservedIP: cacheOf({ r: reserved }),
    })
    expect((await cached.getPod('ns', 'p', 'cached'))?.uid).toBe('u1')
    expect((await cached.getNode('n1'))?.labels).toEqual({ zone: 'a' })
    expect((await cached.getNamespace('ns'))?.annotations).toEqual({ a: '1' })
    expect(await cached.listReservedIPs()).toEqual([reserved])
    expect(reads).toEqual([])
  })

  it('reads the store for the latest, for what a cache lacks, and for kinds not watched', async () => {
    const { store, reads, cached } = setUp({ Pod: cacheOf({ 'ns/p': pod('old') }), Node: cacheOf({}) })
    store.putPod(pod('new'))
    store.putNode({ name: 'n1', labels: {}, ready: true })
    // 'latest' never comes from a watch: the caller confirms what a cached read told.
    expect((await cached.getPod('ns', 'p', 'latest'))?.uid).toBe('new')
    expect(await cached.getPod('ns', 'q', 'cached')).toBeUndefined()
    expect((await cached.getNode('n1'))?.name).toBe('n1')
    expect(await cached.getNamespace('ns')).toBeUndefined()
    expect(await cached.listReservedIPs('latest')).toEqual([])
    expect(await cached.listReservedIPs()).toEqual([])
    expect(reads).toEqual(['getPod', 'getPod', 'getNode', 'getNamespace', 'listReservedIPs', 'listReservedIPs'])
  })
})
