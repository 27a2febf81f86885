import { describe, expect, it } from 'vitest'
import { parseAllocatedIPs } from '../../shared/api/index.ts'
import { createAllocateApp } from '../allocate/app.ts'
import { addRequest, depsFor, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { collectLeakedIPs } from './index.ts'

const podsIn = (store: ReturnType<typeof seedStore>, pool: string) =>
  Object.values(parseAllocatedIPs(store.pools.get(pool)?.status.allocatedIPs, pool)).map((r) => r.pod)

const allocated = async () => {
  const store = seedStore()
  const deps = depsFor(store)
  const app = createAllocateApp(deps)
  const pods = ['stays', 'deleted', 'finished'].map((n) => pod(n, 'controller-node-1'))
  for (const p of pods) {
    store.putPod(p)
    const answer = await app.request('/v1/ipam/ip', { method: 'POST', body: JSON.stringify(addRequest(p)), headers: { 'content-type': 'application/json' } })
    expect(answer.status).toBe(200)
  }
  return { store, deps, pods }
}

describe('collectLeakedIPs', () => {
  it('releases the addresses and endpoints of pods gone or finished, and nothing else', async () => {
    const { store, deps, pods } = await allocated()
    store.pods.delete('default/deleted')
    store.putPod({ ...pods[2]!, phase: 'Succeeded', restartPolicy: 'Never' })
    const outcome = await collectLeakedIPs(deps)
    expect([outcome.released, outcome.endpointsDeleted]).toEqual([2, 2])
    expect(podsIn(store, 'test-ippool-6')).toEqual(['default/stays'])
    expect([...store.endpoints.keys()]).toEqual(['default/stays'])
    expect(store.pools.get('test-ippool-6')?.status.allocatedIPCount).toBe(1)
    // Nothing leaked any more: a second scan writes nothing.
    const writes = store.writes
    expect((await collectLeakedIPs(deps)).leaks).toEqual([])
    expect(store.writes).toBe(writes)
  })

  it('leaves an address that a new pod took between the scan and the release', async () => {
    const { store, deps } = await allocated()
    store.pods.delete('default/deleted')
    // The scan reads the pods; before its release runs, the same name comes back with a new UID
    // and its ADD gets the freed address recorded under the new UID (simulated on the record).
    const listPods = store.listPods
    store.listPods = async () => {
      const pods = await listPods()
      const pool = store.pools.get('test-ippool-6')!
      const records = parseAllocatedIPs(pool.status.allocatedIPs, 'test-ippool-6')
      for (const record of Object.values(records)) if (record.pod === 'default/deleted') record.podUid = 'uid-successor'
      store.putPool({ ...pool, status: { ...pool.status, allocatedIPs: JSON.stringify(records) } })
      return pods
    }
    const outcome = await collectLeakedIPs(deps)
    expect([outcome.leaks.length, outcome.released]).toEqual([1, 0])
    expect(podsIn(store, 'test-ippool-6')).toContain('default/deleted')
  })

  it("scanning one node, releases only that node's pods' addresses", async () => {
    const store = seedStore()
    const deps = depsFor(store)
    const app = createAllocateApp(deps)
    const here = pod('here', 'controller-node-1')
    const there = pod('there', 'worker-node-1')
    for (const p of [here, there]) {
      store.putPod(p)
      const body = JSON.stringify(addRequest(p))
      expect((await app.request('/v1/ipam/ip', { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(200)
    }
    store.pods.clear()
    const outcome = await collectLeakedIPs({ ...deps, nodeName: 'controller-node-1' })
    expect(outcome.leaks.map((l) => l.pod)).toEqual(['default/here'])
    expect([podsIn(store, 'test-ippool-6'), podsIn(store, 'test-ippool-7')]).toEqual([[], ['default/there']])
  })
})
