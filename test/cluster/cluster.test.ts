// The local cluster itself (scripts/cluster): real nodes, real controllers, real runtime, and
// Spinneret installed on it by kubectl apply -k, called by containerd. What cluster:down leaves
// is checked by the project's global teardown (test/cluster/global-setup.ts).
import fs from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { up } from '../../scripts/cluster/cluster.ts'
import { describeCluster, nodeIP } from '../../scripts/cluster/description.ts'
import { containerdOf } from '../../scripts/cluster/node.ts'
import { createPool, deleteClusterObjects, poolRecords, readPool, unique } from '../support/cluster.ts'
import { clusterKubeConfig, eventually, kubectl, noPods, runningPods, testNamespace } from '../support/local-cluster.ts'

const kc = clusterKubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const apps = kc.makeApiClient(k8s.AppsV1Api)
const ns = unique('cluster')
const pools = { 'subnet-6': `${ns}-6`, 'subnet-7': `${ns}-7` }
const seedNodes = describeCluster(2).nodes
let removeNamespace: () => Promise<void>

const template = (app: string): k8s.V1PodTemplateSpec => ({
  metadata: { labels: { app }, annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: Object.values(pools) }) } },
  spec: {
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
  },
})

/** The pool of the pod's node's zone records the pod's IP under the pod's UID. */
async function expectRecorded(pod: k8s.V1Pod): Promise<void> {
  const node = seedNodes.find((n) => n.name === pod.spec?.nodeName)
  expect(node, `pod ${pod.metadata?.name} on an unknown node`).toBeDefined()
  const pool = pools[node!.zone as keyof typeof pools]
  const ip = pod.status?.podIP ?? ''
  expect(ip).toMatch(node!.zone === 'subnet-6' ? /^198\.18\.6\.1\d$/ : /^198\.18\.7\.1\d$/)
  const record = poolRecords(await readPool(kc, pool))[ip]
  expect(record, `${ip} of ${pod.metadata?.name} not recorded in ${pool}`).toMatchObject({ pod: `${ns}/${pod.metadata?.name}`, podUid: pod.metadata?.uid })
}

beforeAll(async () => {
  removeNamespace = await testNamespace(kc, ns)
  await createPool(kc, pools['subnet-6'], {
    subnet: '198.18.6.0/24',
    gateway: '198.18.6.1',
    ips: ['198.18.6.10-198.18.6.19'],
    nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } },
  })
  await createPool(kc, pools['subnet-7'], {
    subnet: '198.18.7.0/24',
    gateway: '198.18.7.1',
    ips: ['198.18.7.10-198.18.7.19'],
    nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-7' } },
  })
})

afterAll(async () => {
  await removeNamespace?.()
  await deleteClusterObjects(kc, 'spiderippools', Object.values(pools))
})

describe('the local cluster', () => {
  it("has the seed's nodes Ready, with their addresses, zone labels and roles", async () => {
    const wide = await kubectl(['get', 'nodes', '-o', 'wide'])
    for (const node of seedNodes) {
      expect(wide).toMatch(
        new RegExp(
          `^${node.name}\\s+Ready\\s+${node.controlPlane ? 'control-plane' : '<none>'}\\s+\\S+\\s+v1\\.35\\.4\\s+${nodeIP(node).replace(/\./g, '\\.')}\\s.*containerd://`,
          'm',
        ),
      )
      expect((await core.readNode({ name: node.name })).metadata?.labels).toMatchObject(node.labels)
    }
  })

  it('reuses the running cluster on a second up', async () => {
    const t0 = Date.now()
    const again = await up()
    expect(again.started).toBe(false)
    expect(Date.now() - t0).toBeLessThan(30_000)
  })

  it('runs Spinneret as a DaemonSet on every node, installed by kubectl apply -k', async () => {
    const pods = await runningPods(kc, 'spinneret-system', 'app.kubernetes.io/name=spinneret', seedNodes.length)
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(seedNodes.map((n) => n.name).sort())
    for (const pod of pods) {
      // hostNetwork: the pod's IP is its node's.
      expect(pod.status?.podIP).toBe(nodeIP(seedNodes.find((n) => n.name === pod.spec?.nodeName)!))
      expect(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0)
    }
  })

  it("refuses, through the DaemonSet's admission webhooks, a pool that would hand out another pool's addresses", async () => {
    const overlapping = `apiVersion: spiderpool.spidernet.io/v2beta1
kind: SpiderIPPool
metadata: {name: ${ns}-overlap}
spec: {subnet: 198.18.6.0/24, ips: [198.18.6.15-198.18.6.25]}
`
    await expect(kubectl(['apply', '-f', '-'], { input: overlapping })).rejects.toThrow(
      `spec.ips: Forbidden: overlap with IPPool ${pools['subnet-6']} in IP ranges [198.18.6.15-198.18.6.19]`,
    )
    expect(await kubectl(['get', 'spiderippool', `${ns}-overlap`, '--ignore-not-found'])).toBe('')
    // And the mutating webhook filled in Spiderpool's defaults on the pools this test made.
    expect((await readPool(kc, pools['subnet-6'])).metadata.labels?.['ipam.spidernet.io/ippool-cidr']).toBe('198-18-6-0-24')
  })

  it("gives each node its own node paths: a hostPath pod sees its node's socket and hostname", async () => {
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'paths' },
        spec: {
          selector: { matchLabels: { app: 'paths' } },
          template: {
            metadata: { labels: { app: 'paths' } },
            spec: {
              hostNetwork: true,
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'c',
                  image: 'localhost/spinneret/busybox:1.35',
                  imagePullPolicy: 'Never',
                  command: ['sh', '-c', 'ls /host/spidernet; ls /host/cni-bin; echo host=$(hostname); sleep 3600'],
                  volumeMounts: [
                    { name: 'spidernet', mountPath: '/host/spidernet' },
                    { name: 'cni', mountPath: '/host/cni-bin' },
                  ],
                },
              ],
              volumes: [
                { name: 'spidernet', hostPath: { path: '/var/run/spidernet' } },
                { name: 'cni', hostPath: { path: '/opt/cni/bin' } },
              ],
            },
          },
        },
      },
    })
    const pods = await runningPods(kc, ns, 'app=paths', seedNodes.length)
    for (const pod of pods) {
      const logs = await kubectl(['-n', ns, 'logs', pod.metadata!.name!])
      expect(logs).toContain('spiderpool.sock')
      expect(logs).toMatch(/^spinneret$/m)
      expect(logs).toMatch(/^spiderpool$/m)
      expect(logs).toMatch(/^macvlan$/m)
      expect(logs).toContain(`host=${pod.spec?.nodeName}`)
    }
    await apps.deleteNamespacedDaemonSet({ namespace: ns, name: 'paths' })
    await noPods(kc, ns, 'app=paths')
  })

  it("runs a Deployment and a DaemonSet whose pods get addresses of their zone's pool through containerd", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'web' }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: template('web') } },
    })
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } },
    })
    const web = await runningPods(kc, ns, 'app=web', 4)
    const agents = await runningPods(kc, ns, 'app=agent', seedNodes.length)
    expect(agents.map((p) => p.spec?.nodeName).sort()).toEqual(seedNodes.map((n) => n.name).sort())
    const all = [...web, ...agents]
    expect(new Set(all.map((p) => p.status?.podIP)).size).toBe(all.length)
    for (const pod of all) await expectRecorded(pod)
    // The pod's own view: eth0 (macvlan on its node's ens192) has that address, the default
    // route goes through its zone's gateway.
    const [first] = agents
    const inside = await kubectl(['-n', ns, 'exec', first!.metadata!.name!, '--', 'sh', '-c', 'ip -4 addr show eth0; ip route'])
    expect(inside).toContain(`inet ${first!.status?.podIP}/24`)
    expect(inside).toMatch(/default via 198\.18\.[67]\.1 dev eth0/)
  })

  it("releases a deleted pod's address through the runtime's CNI DEL, before the pod object is gone", async () => {
    const [pod] = await runningPods(kc, ns, 'app=web', 4)
    const name = pod!.metadata!.name!
    const ip = pod!.status!.podIP!
    const node = seedNodes.find((n) => n.name === pod!.spec?.nodeName)!
    const pool = pools[node.zone as keyof typeof pools]
    // A finalizer keeps the pod object after its kubelet is done: a release while it still exists
    // can only be the runtime's DEL (the leak collector never frees a live pod's address).
    await core.patchNamespacedPod(
      { namespace: ns, name, body: { metadata: { finalizers: ['spinneret.test/hold'] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    const teardowns = () => fs.readFileSync(containerdOf(node.name).log, 'utf8').match(/TearDown network for sandbox .* successfully/g)?.length ?? 0
    const before = teardowns()
    await core.deleteNamespacedPod({ namespace: ns, name })
    try {
      await eventually(`${ip} released from ${pool}`, async () => (poolRecords(await readPool(kc, pool))[ip]?.podUid === pod!.metadata!.uid ? undefined : true))
      const held = await core.readNamespacedPod({ namespace: ns, name })
      expect(held.metadata?.deletionTimestamp).toBeDefined()
      // The node's containerd ran the network's DEL (it logs that once the DEL has returned).
      await eventually('containerd to log the teardown', async () => (teardowns() > before ? true : undefined), { timeoutMs: 10_000 })
    } finally {
      await core.patchNamespacedPod(
        { namespace: ns, name, body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
    }
    // The ReplicaSet controller replaces it: the replacement gets an address too.
    for (const p of await runningPods(kc, ns, 'app=web', 4)) await expectRecorded(p)
  })

  it('scales down and deletes: every address goes back to its pool', async () => {
    await apps.patchNamespacedDeploymentScale(
      { namespace: ns, name: 'web', body: { spec: { replicas: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    const [left] = await runningPods(kc, ns, 'app=web', 1)
    await apps.deleteNamespacedDaemonSet({ namespace: ns, name: 'agent' })
    await noPods(kc, ns, 'app=agent')
    const recorded = async () => (await Promise.all(Object.values(pools).map(async (p) => Object.keys(poolRecords(await readPool(kc, p)))))).flat()
    await eventually(
      'only the remaining pod recorded',
      async () => {
        const ips = await recorded()
        return ips.length === 1 && ips[0] === left!.status?.podIP ? true : undefined
      },
      { lastSeen: () => 'see the pools' },
    )
    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'web' })
    await noPods(kc, ns, 'app=web')
    await eventually('no address recorded', async () => ((await recorded()).length === 0 ? true : undefined))
  })
})
