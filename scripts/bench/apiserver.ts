// What the benchmarks read from the API server itself: its Prometheus metrics (requests, watch
// events and their bytes) and raw objects as bytes, with the admin kubeconfig's token and CA.
import { request } from 'node:https'
import type { KubeConfig } from '@kubernetes/client-node'
import { parsePrometheus } from './figures.ts'

/** GET of a path on the API server: the body as it came (bytes, not parsed). */
export function getRaw(kc: KubeConfig, path: string): Promise<{ status: number; body: Buffer }> {
  const cluster = kc.getCurrentCluster()
  const user = kc.getCurrentUser()
  if (!cluster || !user?.token) throw new Error('the kubeconfig names no cluster or no token: the benches read the API server as its admin')
  const url = new URL(path, cluster.server)
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', headers: { authorization: `Bearer ${user.token}`, accept: 'application/json' }, ...(ca ? { ca } : {}) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

/** The API server's metrics now, as samples (see figures.ts sumOf). */
export async function apiserverMetrics(kc: KubeConfig): Promise<Map<string, number>> {
  const { status, body } = await getRaw(kc, '/metrics')
  if (status !== 200) throw new Error(`GET /metrics of the API server answered ${status}: ${body.toString().slice(0, 200)}`)
  return parsePrometheus(body.toString())
}

/** After minus before, per sample key (a sample new since is counted from 0). */
export function metricsDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Map<string, number> {
  const delta = new Map<string, number>()
  for (const [k, v] of after) delta.set(k, v - (before.get(k) ?? 0))
  return delta
}

/**
 * Removes the SpiderEndpoints in a namespace, finalizers first: with no pods left, the leader
 * would otherwise collect them one by one during the next bench and count in its figures.
 */
export async function deleteEndpoints(kc: KubeConfig, namespace: string): Promise<number> {
  const { CustomObjectsApi, PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node')
  const custom = kc.makeApiClient(CustomObjectsApi)
  const crd = { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderendpoints', namespace }
  const list = (await custom.listNamespacedCustomObject(crd)) as { items: { metadata: { name: string } }[] }
  const names = list.items.map((i) => i.metadata.name)
  let next = 0
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!
      await custom
        .patchNamespacedCustomObject({ ...crd, name, body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
        .catch(() => undefined)
      await custom.deleteNamespacedCustomObject({ ...crd, name }).catch(() => undefined)
    }
  }
  await Promise.all(Array.from({ length: 25 }, worker))
  return names.length
}
