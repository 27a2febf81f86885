// Installing onto a node that refuses: a read-only /opt/cni/bin fails the service pod's init
// container with a message naming the path (in kubectl describe), and the pod recovers by
// itself once the directory is writable again.
import * as k8s from '@kubernetes/client-node'
import { afterAll, describe, expect, it } from 'vitest'
import { SERVICE_NAMESPACE } from '../../scripts/cluster/install.ts'
import { runInNode } from '../../scripts/cluster/node.ts'
import { clusterKubeConfig, eventually, runningPods } from '../support/local-cluster.ts'

const kc = clusterKubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const NODE = 'worker-node-1'
const SELECTOR = 'app.kubernetes.io/name=spinneret'

const remount = (mode: 'ro' | 'rw') => runInNode(NODE, 'mount', ['-o', `remount,bind,${mode}`, '/opt/cni/bin'])

afterAll(async () => {
  await remount('rw').catch(() => undefined)
  await runningPods(kc, SERVICE_NAMESPACE, SELECTOR, 2)
})

describe('the CNI installer on a read-only /opt/cni/bin', () => {
  it('fails the init container naming the path, and recovers once the dir is writable', async () => {
    const [service] = (await core.listNamespacedPod({ namespace: SERVICE_NAMESPACE, labelSelector: SELECTOR, fieldSelector: `spec.nodeName=${NODE}` })).items
    await remount('ro')
    // The plugin must differ from the installed one, or the installer has nothing to write.
    await runInNode(NODE, 'sh', ['-c', 'mount -o remount,bind,rw /opt/cni/bin && rm -f /opt/cni/bin/spinneret && mount -o remount,bind,ro /opt/cni/bin'])
    await core.deleteNamespacedPod({ namespace: SERVICE_NAMESPACE, name: service!.metadata!.name!, gracePeriodSeconds: 1 })

    const failed = await eventually("the new service pod's init container to fail", async () => {
      const [pod] = (
        await core.listNamespacedPod({ namespace: SERVICE_NAMESPACE, labelSelector: SELECTOR, fieldSelector: `spec.nodeName=${NODE}` })
      ).items.filter((p) => p.metadata?.uid !== service!.metadata?.uid)
      const init = pod?.status?.initContainerStatuses?.[0]
      return init?.state?.terminated?.exitCode || init?.lastState?.terminated?.exitCode ? init : undefined
    })
    const terminated = failed.state?.terminated ?? failed.lastState?.terminated
    expect(terminated?.exitCode).toBe(1)
    expect(terminated?.message).toContain('cannot install the CNI plugin as /host/opt/cni/bin/spinneret: read-only file system')

    await remount('rw')
    // The kubelet restarts the init container with its back-off (10 s, then 20 s).
    const [recovered] = await runningPods(kc, SERVICE_NAMESPACE, `${SELECTOR}`, 2, 120_000).then((pods) => pods.filter((p) => p.spec?.nodeName === NODE))
    expect(recovered?.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0)
    expect((await runInNode(NODE, 'ls', ['/opt/cni/bin'])).stdout).toMatch(/^spinneret$/m)
  }, 180_000)
})
