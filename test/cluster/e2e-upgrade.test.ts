// Upgrading Spinneret in place: the DaemonSet rolled to a new image tag while pods run, as a
// platform team rolls it (kubectl set image, one node at a time). Existing pods keep their
// addresses, pods created during and after the rollout get addresses, and nothing leaks.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusterNodes } from '../../scripts/cluster/cluster.ts'
import { run } from '../../scripts/cluster/exec.ts'
import { LOCAL_OVERLAY, SERVICE_NAMESPACE } from '../../scripts/cluster/install.ts'
import { containerdSocketOf } from '../../scripts/cluster/node.ts'
import { IMAGE_NAME, IMAGE_REF } from '../../scripts/image/build-image.ts'
import { createPool, deleteClusterObjects, poolRecords, readPool, unique } from '../support/cluster.ts'
import { clusterKubeConfig, eventually, kubectl, noPods, runningPods, testNamespace } from '../support/local-cluster.ts'

const kc = clusterKubeConfig()
const apps = kc.makeApiClient(k8s.AppsV1Api)
const ns = unique('upgrade')
const pools = [`${ns}-6`, `${ns}-7`]
const NEXT_REF = `${IMAGE_NAME}:upgrade-test`
let removeNamespace: () => Promise<void>

const deployment = (name: string, replicas: number): k8s.V1Deployment => ({
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: pools }) } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
      },
    },
  },
})

const scale = (name: string, replicas: number) =>
  apps.patchNamespacedDeploymentScale({ namespace: ns, name, body: { spec: { replicas } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))

/** ip -> pod UID over both pools. */
async function records(): Promise<Map<string, string>> {
  const all = new Map<string, string>()
  for (const pool of pools) for (const [ip, r] of Object.entries(poolRecords(await readPool(kc, pool)))) all.set(ip, r.podUid)
  return all
}

beforeAll(async () => {
  removeNamespace = await testNamespace(kc, ns)
  await createPool(kc, pools[0]!, {
    subnet: '198.18.6.0/24',
    gateway: '198.18.6.1',
    ips: ['198.18.6.20-198.18.6.39'],
    nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } },
  })
  await createPool(kc, pools[1]!, {
    subnet: '198.18.7.0/24',
    gateway: '198.18.7.1',
    ips: ['198.18.7.20-198.18.7.39'],
    nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-7' } },
  })
  // The new tag: the same image under another name in every node's containerd (no registry).
  for (const node of clusterNodes()) {
    await run('ctr', ['-a', containerdSocketOf(node.name)!, '-n', 'k8s.io', 'images', 'tag', '--force', IMAGE_REF, NEXT_REF])
  }
})

afterAll(async () => {
  // Back to the installed state for the next test file.
  await kubectl(['apply', '-k', LOCAL_OVERLAY])
  await kubectl(['-n', SERVICE_NAMESPACE, 'rollout', 'status', 'daemonset/spinneret', '--timeout=120s'], { timeoutMs: 130_000 })
  await removeNamespace?.()
  await deleteClusterObjects(kc, 'spiderippools', pools)
})

describe('rolling the DaemonSet to a new image tag', () => {
  it("keeps running pods' addresses, serves pods made during and after the rollout, and leaks nothing", async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('before', 4) })
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('during', 0) })
    const before = await runningPods(kc, ns, 'app=before', 4)
    const addressOf = new Map(before.map((p) => [p.metadata!.uid!, p.status!.podIP!]))

    const oldServices = (await runningPods(kc, SERVICE_NAMESPACE, 'app.kubernetes.io/name=spinneret', clusterNodes().length)).map((p) => p.metadata!.uid)
    await kubectl(['-n', SERVICE_NAMESPACE, 'set', 'image', 'daemonset/spinneret', `spinneret=${NEXT_REF}`, `install-cni=${NEXT_REF}`])
    // Pods created while one node's service is being replaced: the runtime retries ("try again").
    await scale('during', 4)
    await kubectl(['-n', SERVICE_NAMESPACE, 'rollout', 'status', 'daemonset/spinneret', '--timeout=120s'], { timeoutMs: 130_000 })
    const newServices = await runningPods(kc, SERVICE_NAMESPACE, 'app.kubernetes.io/name=spinneret', clusterNodes().length)
    for (const service of newServices) {
      expect(service.spec?.containers[0]?.image).toBe(NEXT_REF)
      expect(oldServices).not.toContain(service.metadata?.uid)
    }
    const during = await runningPods(kc, ns, 'app=during', 4)
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('after', 2) })
    const after = await runningPods(kc, ns, 'app=after', 2)

    // The pods from before the rollout are the same pods, with the same addresses.
    const stillBefore = await runningPods(kc, ns, 'app=before', 4)
    expect(new Map(stillBefore.map((p) => [p.metadata!.uid!, p.status!.podIP!]))).toEqual(addressOf)
    // Every running pod is recorded with its own address, and nothing else is.
    const running = [...stillBefore, ...during, ...after]
    expect(new Set(running.map((p) => p.status?.podIP)).size).toBe(running.length)
    await eventually('the pools to record exactly the running pods', async () => {
      const recorded = await records()
      const expected = new Map(running.map((p) => [p.status!.podIP!, p.metadata!.uid!]))
      return recorded.size === expected.size && [...expected].every(([ip, uid]) => recorded.get(ip) === uid) ? true : undefined
    })

    for (const name of ['before', 'during', 'after']) await apps.deleteNamespacedDeployment({ namespace: ns, name })
    for (const name of ['before', 'during', 'after']) await noPods(kc, ns, `app=${name}`)
    await eventually('every address back in its pool', async () => ((await records()).size === 0 ? true : undefined))
  }, 300_000)
})
