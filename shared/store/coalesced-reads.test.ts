import { describe, expect, it } from 'vitest'
import { coalescedReads } from './coalesced-reads.ts'
import { MemoryStore } from './memory-store.ts'

describe('coalescedReads', () => {
  it('sends identical concurrent reads once and later reads again', async () => {
    const store = new MemoryStore()
    store.putNode({ name: 'n1', labels: { a: '1' }, ready: true })
    let calls = 0
    const getNode = store.getNode
    store.getNode = async (name) => {
      calls++
      return getNode(name)
    }
    const shared = coalescedReads(store)
    const [a, b, c] = await Promise.all([shared.getNode('n1'), shared.getNode('n1'), shared.getNode('n2')])
    expect(a).toEqual({ name: 'n1', labels: { a: '1' }, ready: true })
    expect(b).toBe(a)
    expect(c).toBeUndefined()
    expect(calls).toBe(2)
    store.putNode({ name: 'n1', labels: { a: '2' }, ready: true })
    expect((await shared.getNode('n1'))?.labels).toEqual({ a: '2' })
    expect(calls).toBe(3)
  })

  it('passes writes and per-pod reads straight through', async () => {
    const store = new MemoryStore()
    const shared = coalescedReads(store)
    store.putPod({ namespace: 'ns', name: 'p', uid: 'u', labels: {}, annotations: {}, ownerReferences: [] })
    const [x, y] = await Promise.all([shared.getPod('ns', 'p'), shared.getPod('ns', 'p')])
    expect(x).not.toBe(y)
  })
})
