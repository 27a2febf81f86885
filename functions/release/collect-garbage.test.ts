import { describe, expect, it } from 'vitest'
import { createAllocateApp } from '../allocate/app.ts'
import { addRequest, depsFor, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { createReleaseApp } from './app.ts'
import { collectGarbage, GC_GRACE_MS } from './collect-garbage.ts'
import { bodyOf } from '../lib/response-body.testkit.ts'

const post = (app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, path: string, body: unknown) =>
  app.request(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })

describe('CNI GC', () => {
  it('releases this node’s attachments of the network that the runtime no longer lists, unless their pod lives on', async () => {
    const store = seedStore()
    const deps = { ...depsFor(store), config: { systemNamespace: 'kube-system', nodeName: 'controller-node-1' } }
    const app = createAllocateApp(deps)
    const [kept, gone, gone2, alive, elsewhere] = ['kept', 'gone', 'gone2', 'alive', 'elsewhere'].map((n) =>
      pod(n, n === 'elsewhere' ? 'worker-node-1' : 'controller-node-1'),
    )
    for (const p of [kept!, gone!, gone2!, alive!, elsewhere!]) {
      store.putPod(p)
      expect((await post(app, '/v1/ipam/ip', { ...addRequest(p), network: 'macvlan-conf' })).status).toBe(200)
    }
    // One pod is terminating, one is gone; `alive` lost its sandbox only: its next one gets the address back.
    store.putPod({ ...gone!, deletionTimestamp: '2026-01-01T00:00:00Z' })
    store.pods.delete('default/gone2')
    const later = Date.now() + GC_GRACE_MS + 1000
    const validAttachments = [{ containerID: `ctr-${kept!.uid}`, ifName: 'eth0' }]
    const result = await collectGarbage({ network: 'macvlan-conf', validAttachments }, deps, later)
    expect(result.released.sort()).toEqual(['10.6.168.62', '10.6.168.63'])
    expect(store.endpoints.has('default/kept')).toBe(true)
    expect(store.endpoints.has('default/gone')).toBe(false)
    expect(store.endpoints.has('default/alive')).toBe(true)
    expect(store.endpoints.has('default/elsewhere')).toBe(true)
    expect(store.pools.get('test-ippool-6')?.status.allocatedIPCount).toBe(2)

    // Another network's GC touches nothing; attachments younger than the grace period are kept.
    const other = await collectGarbage({ network: 'other', validAttachments: [] }, deps, later)
    expect(other.released).toEqual([])
    const tooSoon = await collectGarbage({ network: 'macvlan-conf', validAttachments: [] }, deps)
    expect(tooSoon.released).toEqual([])
    expect(store.endpoints.has('default/kept')).toBe(true)
  })

  it('refuses without NODE_NAME and with a malformed body, and writes nothing', async () => {
    const store = seedStore()
    const release = createReleaseApp(depsFor(store))
    const noNode = await post(release, '/v1/ipam/gc', { network: 'n', validAttachments: [] })
    expect(noNode.status).toBe(400)
    expect((await bodyOf(noNode)).message).toMatch(/NODE_NAME/)
    const bad = await post(release, '/v1/ipam/gc', { network: 'n', validAttachments: [{ ifName: 'eth0' }] })
    expect(bad.status).toBe(400)
    expect((await bodyOf(bad)).message).toBe('invalid request body: validAttachments[0].containerID: required')
    expect(store.writes).toBe(0)
  })
})
