// Talking to the test control plane from tests: apply manifests, make pods, read pools.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { parseAllocatedIPs, parseSpiderIPPool, type SpiderIPPool } from '../../shared/api/index.ts'

export function kubeConfig(): k8s.KubeConfig {
  const path = process.env.KUBECONFIG
  if (!path) throw new Error('KUBECONFIG is not set: run the tests through vitest (its global setup starts the control plane)')
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(path)
  return kc
}

const yamlFiles = (path: string): string[] =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path]

/** Creates or replaces every object of the files (a folder: its YAML files in name order). */
export async function applyManifests(kc: k8s.KubeConfig, ...paths: string[]): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc)
  for (const file of paths.flatMap(yamlFiles)) {
    for (const spec of k8s.loadAllYaml(readFileSync(file, 'utf8')) as k8s.KubernetesObject[]) {
      await applyObject(kc, api, spec)
    }
  }
}

async function applyObject(kc: k8s.KubeConfig, api: k8s.KubernetesObjectApi, spec: k8s.KubernetesObject): Promise<void> {
  // A kind whose CRD was created a moment ago is unknown until the CRD is established.
  for (let attempt = 0; ; attempt++) {
    try {
      try {
        const existing = await api.read(spec as k8s.KubernetesObject & { metadata: { name: string } })
        await api.replace({ ...spec, metadata: { ...spec.metadata, resourceVersion: existing.metadata?.resourceVersion } })
      } catch (e) {
        if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
        await api.create(spec)
      }
      if (spec.kind === 'CustomResourceDefinition') await waitEstablished(kc, spec.metadata?.name ?? '')
      return
    } catch (e) {
      if (attempt >= 50 || !/resource mapping|not found|404|429/i.test(String(e))) throw e
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

async function waitEstablished(kc: k8s.KubeConfig, name: string): Promise<void> {
  const api = kc.makeApiClient(k8s.ApiextensionsV1Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  for (let i = 0; i < 100; i++) {
    const crd = await api.readCustomResourceDefinition({ name })
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      // Established is not yet served: until its storage is initialised the server answers 429.
      const version = crd.spec.versions.find((v) => v.storage)?.name ?? ''
      const ready = await custom
        .listCustomObjectForAllNamespaces({ group: crd.spec.group, version, resourcePlural: crd.spec.names.plural })
        .then(() => true)
        .catch((e: unknown) => {
          if (e instanceof k8s.ApiException && e.code === 429) return false
          throw e
        })
      if (ready) return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`CRD ${name} not served after 10 s`)
}

export interface PodSpec {
  namespace?: string
  name: string
  nodeName: string
  annotations?: Record<string, string>
  labels?: Record<string, string>
  ownerReferences?: k8s.V1OwnerReference[]
}

/** A pod object bound to a node (no kubelet runs: it never starts, which is all IPAM needs). */
export async function createPod(kc: k8s.KubeConfig, spec: PodSpec): Promise<k8s.V1Pod> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  return core.createNamespacedPod({
    namespace: spec.namespace ?? 'default',
    body: {
      metadata: {
        name: spec.name,
        labels: spec.labels ?? {},
        annotations: spec.annotations ?? {},
        ...(spec.ownerReferences ? { ownerReferences: spec.ownerReferences } : {}),
      },
      spec: { nodeName: spec.nodeName, containers: [{ name: 'c', image: 'busybox:1.36' }] },
    },
  })
}

export async function createNode(kc: k8s.KubeConfig, name: string, labels: Record<string, string>): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  try {
    await core.createNode({ body: { metadata: { name, labels } } })
  } catch (e) {
    if (!(e instanceof k8s.ApiException) || e.code !== 409) throw e
  }
}

export async function readPool(kc: k8s.KubeConfig, name: string): Promise<SpiderIPPool> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  return parseSpiderIPPool(await custom.getClusterCustomObject({ group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools', name }))
}

export const poolRecords = (pool: SpiderIPPool) => parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)

export async function createPool(kc: k8s.KubeConfig, name: string, spec: Record<string, unknown>): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  await custom.createClusterCustomObject({
    group: 'spiderpool.spidernet.io',
    version: 'v2beta1',
    plural: 'spiderippools',
    body: { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderIPPool', metadata: { name }, spec },
  })
}

/** A short random suffix so that tests sharing the one API server never collide. */
export const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`

export async function createNamespace(
  kc: k8s.KubeConfig,
  name: string,
  annotations: Record<string, string> = {},
  labels: Record<string, string> = {},
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  try {
    await core.createNamespace({ body: { metadata: { name, annotations, labels } } })
  } catch (e) {
    if (!(e instanceof k8s.ApiException) || e.code !== 409) throw e
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i] as T, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** Deletes cluster-scoped Spiderpool objects, finalizers first (no controller may be running). */
export async function deleteClusterObjects(kc: k8s.KubeConfig, plural: string, names: string[]): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const crd = { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural }
  for (const name of names) {
    try {
      await custom.patchClusterCustomObject(
        { ...crd, name, body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      await custom.deleteClusterCustomObject({ ...crd, name })
    } catch (e) {
      if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
    }
  }
}

/**
 * Removes what a test or bench made in one namespace's pods and in its pools and nodes, so the
 * shared API server does not grow run after run. Grace period 0: no kubelet will ever confirm.
 */
export async function cleanUp(kc: k8s.KubeConfig, made: { namespace?: string; pools?: string[]; nodes?: string[] }): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  if (made.namespace) await core.deleteCollectionNamespacedPod({ namespace: made.namespace, gracePeriodSeconds: 0 })
  if (made.pools) await deleteClusterObjects(kc, 'spiderippools', made.pools)
  for (const name of made.nodes ?? []) {
    await core.deleteNode({ name }).catch((e: unknown) => {
      if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
    })
  }
}

/**
 * Starts a pod's graceful deletion, as `kubectl delete pod` does: with no kubelet to confirm it,
 * the pod stays, terminating (deletionTimestamp set), which is when a runtime sends CNI DEL.
 */
export async function terminatePod(kc: k8s.KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 30 })
}
