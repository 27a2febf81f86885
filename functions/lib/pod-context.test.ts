import { describe, expect, it } from 'vitest'
import { IpamError } from '../../shared/errors.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import type { PodView } from '../../shared/api/views.ts'
import { readLivePod } from './pod-context.ts'

const pod = (uid: string): PodView => ({ namespace: 'default', name: 'web-0', uid, labels: {}, annotations: {}, ownerReferences: [] })

describe('readLivePod against a watch cache a moment behind', () => {
  it('reads a pod the cache has not seen yet, or an earlier incarnation of, from etcd', async () => {
    const store = new MemoryStore()
    store.putPod(pod('old'))
    store.holdCache()
    store.putPod(pod('new'))
    expect((await store.getPod('default', 'web-0', 'cached'))?.uid).toBe('old')
    expect((await readLivePod(store, { namespace: 'default', name: 'web-0', uid: 'new' })).uid).toBe('new')

    store.putPod({ ...pod('other'), name: 'web-1' })
    expect(await store.getPod('default', 'web-1', 'cached')).toBeUndefined()
    expect((await readLivePod(store, { namespace: 'default', name: 'web-1', uid: 'other' })).uid).toBe('other')
  })

  it('refuses an earlier incarnation once etcd and the cache both hold the new one', async () => {
    const store = new MemoryStore()
    store.putPod(pod('new'))
    await expect(readLivePod(store, { namespace: 'default', name: 'web-0', uid: 'old' })).rejects.toThrow(
      new IpamError('not-found', 'pod default/web-0 has UID new, not old: it was replaced'),
    )
  })
})
