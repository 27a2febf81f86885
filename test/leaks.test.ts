// Leaked-IP collection through the real service: its pod watch (this node's pods) and the scan
// it runs soon after a pod goes, against the real API server.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { GROUP, PLURAL, VERSION } from '../shared/api/index.ts'
import { applyManifests, cleanUp, createNamespace, createNode, createPod, createPool, kubeConfig, poolRecords, readPool, unique } from './support/cluster.ts'
import { ipamCall, startService, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const ns = unique('leaks')
const node = `${ns}-node`
const pool = `${ns}-pool`
let service: RunningService

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, ns)
  await createNode(kc, node, {})
  await createPool(kc, pool, { subnet: '198.18.0.0/16', ips: ['198.18.7.1-198.18.7.20'] })
  // The periodic scan is an hour away: what happens here is the pod watch's doing.
  service = await startService({ NODE_NAME: node, RESYNC_SECONDS: '3600' })
}, 120_000)

afterAll(async () => {
  await service?.stop()
  await cleanUp(kc, { namespace: ns, pools: [pool], nodes: [node] })
})

const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
const add = async (pod: k8s.V1Pod) => {
  const m = pod.metadata!
  const body = { containerID: `c-${m.uid}`, ifName: 'eth0', podNamespace: ns, podName: m.name, podUID: m.uid }
  const answer = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', body)
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
}
const holders = async () =>
  Object.values(poolRecords(await readPool(kc, pool)))
    .map((r) => r.pod.split('/')[1])
    .sort()
const endpointNames = async () => {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const list = (await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: PLURAL.endpoint })) as {
    items: Array<{ metadata: { name: string } }>
  }
  return list.items.map((e) => e.metadata.name).sort()
}

describe('leaked IPs', () => {
  it('releases the address and endpoint of a deleted pod, then of a pod that finished, and keeps the live one', async () => {
    const stays = await createPod(kc, { namespace: ns, name: 'stays', nodeName: node, annotations })
    const deleted = await createPod(kc, { namespace: ns, name: 'deleted', nodeName: node, annotations })
    const finished = await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'finished', annotations },
        spec: { nodeName: node, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] },
      },
    })
    for (const pod of [stays, deleted, finished]) await add(pod)
    expect(await holders()).toEqual(['deleted', 'finished', 'stays'])

    // No CNI DEL ever comes (a node that died, a runtime that lost track).
    await core.deleteNamespacedPod({ namespace: ns, name: 'deleted', gracePeriodSeconds: 0 })
    // The scan releases the addresses first, then deletes the endpoints.
    const settled = async (names: string[]) => {
      expect(await holders()).toEqual(names)
      expect(await endpointNames()).toEqual(names)
    }
    await vi.waitFor(() => settled(['finished', 'stays']), { timeout: 30_000, interval: 500 })

    const current = await core.readNamespacedPodStatus({ namespace: ns, name: 'finished' })
    await core.replaceNamespacedPodStatus({ namespace: ns, name: 'finished', body: { ...current, status: { ...current.status, phase: 'Succeeded' } } })
    await vi.waitFor(() => settled(['stays']), { timeout: 30_000, interval: 500 })
    expect((await readPool(kc, pool)).status.allocatedIPCount).toBe(1)
  })
})
