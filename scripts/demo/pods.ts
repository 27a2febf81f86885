/**
 * The parts of Kubernetes the bare control plane lacks, played just far enough for the scenario:
 * the DaemonSet controller (one Pod per node, named and owned as it names and owns them), Multus
 * (the pod's network from its NetworkAttachmentDefinition) and the kubelet (the pod IP in status).
 */
import * as k8s from '@kubernetes/client-node'
import type { PodRecord } from './record.ts'

const MULTUS_DEFAULT_NETWORK = 'v1.multus-cni.io/default-network'

export interface DaemonSetRef {
  readonly namespace: string
  readonly name: string
}

/**
 * Creates the DaemonSet's pod for each node, as its controller does: `generateName` (the API
 * server appends 5 random characters: test-app-j9ftl), the template's labels, annotations and
 * spec, and a controller reference to the DaemonSet. `created` hears of each pod at once.
 */
export async function createDaemonSetPods(
  kc: k8s.KubeConfig,
  ref: DaemonSetRef,
  nodes: readonly string[],
  signal: AbortSignal,
  created: (pod: PodRecord) => void,
): Promise<PodRecord[]> {
  const daemonSet = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet(ref)
  const uid = daemonSet.metadata?.uid
  const template = daemonSet.spec?.template
  if (!uid || !template?.spec) throw new Error(`DaemonSet ${ref.namespace}/${ref.name} has no uid or pod template`)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const pods: PodRecord[] = []
  for (const node of nodes) {
    signal.throwIfAborted()
    const pod = await core.createNamespacedPod({
      namespace: ref.namespace,
      body: {
        metadata: {
          generateName: `${ref.name}-`,
          labels: template.metadata?.labels ?? {},
          annotations: template.metadata?.annotations ?? {},
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ref.name, uid, controller: true, blockOwnerDeletion: true },
          ],
        },
        spec: { ...template.spec, nodeName: node },
      },
    })
    const record = { name: pod.metadata?.name ?? '', namespace: ref.namespace, uid: pod.metadata?.uid ?? '', node }
    created(record)
    pods.push(record)
  }
  return pods
}

/**
 * The network config Multus would run for the pod: the `config` of the NetworkAttachmentDefinition
 * its `v1.multus-cni.io/default-network` annotation names (`<namespace>/<name>`).
 */
export async function defaultNetworkOf(kc: k8s.KubeConfig, pod: PodRecord): Promise<Record<string, unknown> & { type: string }> {
  const read = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ namespace: pod.namespace, name: pod.name })
  const ref = read.metadata?.annotations?.[MULTUS_DEFAULT_NETWORK]
  if (!ref) throw new Error(`pod ${pod.namespace}/${pod.name} has no ${MULTUS_DEFAULT_NETWORK} annotation`)
  const [namespace, name] = ref.includes('/') ? ref.split('/', 2) : [pod.namespace, ref]
  const nad = (await kc.makeApiClient(k8s.CustomObjectsApi).getNamespacedCustomObject({
    group: 'k8s.cni.cncf.io',
    version: 'v1',
    plural: 'network-attachment-definitions',
    namespace: namespace ?? pod.namespace,
    name: name ?? ref,
  })) as { spec?: { config?: string } }
  const config = JSON.parse(nad.spec?.config ?? 'null') as (Record<string, unknown> & { type: string }) | null
  if (!config || typeof config.type !== 'string') throw new Error(`NetworkAttachmentDefinition ${ref} has no CNI config with a type`)
  return config
}

/** What the kubelet reports once the sandbox has its network: the pod runs, with this IP. */
export async function reportPodIP(kc: k8s.KubeConfig, pod: PodRecord, ip: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).patchNamespacedPodStatus(
    {
      namespace: pod.namespace,
      name: pod.name,
      body: { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: new Date() } },
    },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  )
}

/** Deletes the demo's pods at once (no kubelet would ever confirm a graceful deletion). */
/**
 * Starts each pod's graceful deletion, as `kubectl delete pod` does: it is then terminating, and
 * a CNI DEL releases its addresses (a DEL while the pod lives on keeps them for its next sandbox).
 */
export async function terminatePods(kc: k8s.KubeConfig, pods: readonly PodRecord[]): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  for (const pod of pods) {
    try {
      await core.deleteNamespacedPod({
        namespace: pod.namespace,
        name: pod.name,
        body: { gracePeriodSeconds: 30, preconditions: { uid: pod.uid } },
      })
    } catch (e) {
      if (!(e instanceof k8s.ApiException) || (e.code !== 404 && e.code !== 409)) throw e
    }
  }
}

export async function deletePods(kc: k8s.KubeConfig, pods: readonly PodRecord[]): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  for (const pod of pods) {
    try {
      // The uid precondition: a pod of the same name made since is somebody else's. With a body,
      // the API server reads the options from it alone: the grace period must be in it too.
      await core.deleteNamespacedPod({
        namespace: pod.namespace,
        name: pod.name,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.uid } },
      })
    } catch (e) {
      if (!(e instanceof k8s.ApiException) || (e.code !== 404 && e.code !== 409)) throw e
    }
    // A graceful deletion would leave the pod Terminating for good: make sure it is gone.
    const left = await core.readNamespacedPod({ namespace: pod.namespace, name: pod.name }).catch((e: unknown) => {
      if (e instanceof k8s.ApiException && e.code === 404) return undefined
      throw e
    })
    if (left?.metadata?.uid === pod.uid) throw new Error(`pod ${pod.namespace}/${pod.name} is still there after its deletion`)
  }
}
