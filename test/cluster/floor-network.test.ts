// The benchmarks' floor network (scripts/cluster/node.ts): pods of a RuntimeClass whose handler is
// containerd's `host-local` get the same macvlan with the reference host-local IPAM, on the same
// nodes, while every other pod keeps the nodes' default network (Spinneret). npm run bench:pods
// compares the two on it.
import fs from 'node:fs'
import path from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeCluster, nodeIP } from '../../scripts/cluster/description.ts'
import { FLOOR_HANDLER, FLOOR_NETWORK, nodeRoot } from '../../scripts/cluster/node.ts'
import { unique } from '../support/cluster.ts'
import { clusterKubeConfig, eventually, noPods, runningPods, testNamespace } from '../support/local-cluster.ts'

const kc = clusterKubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const runtimeClasses = kc.makeApiClient(k8s.NodeV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const ns = unique('floor')
const seedNodes = describeCluster(2).nodes
let removeNamespace: () => Promise<void>
let madeRuntimeClass = false

const leaseFiles = (node: string) => {
  const dir = path.join(nodeRoot(node, '/var/lib/cni/networks'), FLOOR_NETWORK)
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []
}

beforeAll(async () => {
  removeNamespace = await testNamespace(kc, ns)
  madeRuntimeClass = await runtimeClasses
    .createRuntimeClass({ body: { metadata: { name: FLOOR_HANDLER }, handler: FLOOR_HANDLER } })
    .then(() => true)
    .catch((e: unknown) => {
      if (e instanceof k8s.ApiException && e.code === 409) return false
      throw e
    })
})

afterAll(async () => {
  await removeNamespace?.()
  if (madeRuntimeClass) await runtimeClasses.deleteRuntimeClass({ name: FLOOR_HANDLER })
})

describe('the floor network', () => {
  it('gives a pod of the host-local RuntimeClass an address from host-local on its node, and takes it back', async () => {
    for (const node of seedNodes) {
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: `floor-${node.name}`, labels: { app: 'floor' } },
          spec: {
            nodeName: node.name,
            runtimeClassName: FLOOR_HANDLER,
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
          },
        },
      })
    }
    const pods = await runningPods(kc, ns, 'app=floor', seedNodes.length)
    for (const pod of pods) {
      const node = seedNodes.find((n) => n.name === pod.spec?.nodeName)!
      const octet = nodeIP(node).split('.')[3]
      expect(pod.status?.podIP, `${pod.metadata?.name}`).toMatch(new RegExp(`^198\\.19\\.${octet}\\.\\d+$`))
      // host-local's lease is on that node, and Spinneret recorded nothing for the pod.
      expect(leaseFiles(node.name)).toContain(pod.status?.podIP)
    }
    const endpoints = (await custom.listNamespacedCustomObject({
      group: 'spiderpool.spidernet.io',
      version: 'v2beta1',
      plural: 'spiderendpoints',
      namespace: ns,
    })) as { items: unknown[] }
    expect(endpoints.items).toEqual([])

    await core.deleteCollectionNamespacedPod({ namespace: ns, labelSelector: 'app=floor' })
    await noPods(kc, ns, 'app=floor')
    for (const pod of pods) {
      await eventually(
        `the lease of ${pod.status?.podIP} gone`,
        async () => (leaseFiles(pod.spec!.nodeName!).includes(pod.status!.podIP!) ? undefined : true),
        { timeoutMs: 30_000 },
      )
    }
  })
})
