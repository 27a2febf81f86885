// A node's service answers the reads that only choose from its own watches (its node's pods, its
// node, namespaces, reserved IPs), against the real API server: what an ADD then costs in reads,
// that a change is seen once the watch brings it, and that what the watches have not seen yet
// (a namespace and pod made a moment ago) is read from the API server instead.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import { GROUP, PLURAL, VERSION } from '../shared/api/index.ts'
import { applyManifests, cleanUp, createNamespace, createNode, createPod, createPool, deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'
import { parseExposition, sample } from './support/metrics.ts'
import { ipamCall, startService, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const ns = unique('wcache')
const node = `${ns}-node`
const pool = `${ns}-pool`
const spare = `${ns}-spare`
const reservation = `${ns}-reserved`
const made: string[] = [ns]
let service: RunningService

const reads = async (): Promise<number> => {
  const port = /"msg":"metrics listening".*?"port":(\d+)/.exec(service.output())?.[1]
  if (!port) throw new Error(`the service did not say where its metrics are:\n${service.output()}`)
  return sample(parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), 'spinneret_kube_api_reads_total') ?? NaN
}

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, ns)
  await createNode(kc, node, { zone: 'a' })
  await createPool(kc, pool, { subnet: '198.19.0.0/16', ips: ['198.19.8.1-198.19.8.30'] })
  await createPool(kc, spare, { subnet: '198.19.0.0/16', ips: ['198.19.9.1-198.19.9.3'] })
  service = await startService({ NODE_NAME: node, RESYNC_SECONDS: '3600' })
}, 120_000)

afterAll(async () => {
  await service?.stop()
  await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.reservedIP, name: reservation }).catch(() => {})
  for (const name of made) await cleanUp(kc, { namespace: name })
  await cleanUp(kc, { pools: [pool, spare], nodes: [node] })
  for (const name of made) await core.deleteNamespace({ name }).catch(() => {})
})

const add = async (namespace: string, pod: k8s.V1Pod) => {
  const m = pod.metadata!
  return ipamCall(service.socket, 'POST', '/v1/ipam/ip', { containerID: `c-${m.uid}`, ifName: 'eth0', podNamespace: namespace, podName: m.name, podUID: m.uid })
}
const ipOf = (answer: { body: unknown }) => (answer.body as { ips?: Array<{ address: string }> }).ips?.[0]?.address

it('reads only the pool for an ADD once the watches hold pod, node and namespace', async () => {
  const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
  let n = 0
  const costs: number[] = []
  // A pod made a moment ago may not be in the watch yet (then it is read), nor may the claim
  // check's 10 s be fresh: some ADD of a few costs the pool read alone.
  await vi.waitFor(
    async () => {
      const pod = await createPod(kc, { namespace: ns, name: `p-${n++}`, nodeName: node, annotations })
      await new Promise((r) => setTimeout(r, 200))
      const before = await reads()
      const answer = await add(ns, pod)
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      costs.push((await reads()) - before)
      // Without the caches: pod, node, namespace, reserved IPs and the pool (5).
      expect(costs).toContain(1)
    },
    { timeout: 15_000, interval: 0 },
  )
  expect(Math.max(...costs)).toBeLessThan(5)
})

it('sees a reserved IP and a namespace default pool once their watches bring them', async () => {
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL.reservedIP,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'SpiderReservedIP', metadata: { name: reservation }, spec: { ipVersion: 4, ips: ['198.19.9.1'] } },
  })
  await core.patchNamespace(
    { name: ns, body: { metadata: { annotations: { 'ipam.spidernet.io/default-ipv4-ippool': JSON.stringify([spare]) } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  )
  let n = 0
  // The watch events arrive within moments; until then an ADD may still decide on what it saw.
  await vi.waitFor(
    async () => {
      const pod = await createPod(kc, { namespace: ns, name: `d-${n++}`, nodeName: node })
      const answer = await add(ns, pod)
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      expect(ipOf(answer)).toMatch(/^198\.19\.9\./)
      // Never the reserved address: the pool writer's round decides on the reserved IPs too.
      expect(ipOf(answer)).not.toMatch(/^198\.19\.9\.1\//)
    },
    { timeout: 10_000, interval: 200 },
  )
})

it('reads from the API server what the watches have not seen yet: a namespace and pod made a moment ago', async () => {
  const fresh = unique('wcache-new')
  made.push(fresh)
  await createNamespace(kc, fresh, { 'ipam.spidernet.io/default-ipv4-ippool': JSON.stringify([pool]) })
  const pod = await createPod(kc, { namespace: fresh, name: 'p', nodeName: node })
  const answer = await add(fresh, pod)
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  expect(ipOf(answer)).toMatch(/^198\.19\.8\./)
})
