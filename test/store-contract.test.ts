// The store contract (shared/store/store-contract.testkit.ts) against KubeStore on the real API
// server: the same behaviours the unit tests rely on in MemoryStore.
import * as k8s from '@kubernetes/client-node'
import { GROUP, PLURAL, VERSION, parseSpiderSubnet } from '../shared/api/index.ts'
import { CLAIMS_CONFIGMAP, KubeStore } from '../shared/kube/kube-store.ts'
import { describeStoreContract } from '../shared/store/store-contract.testkit.ts'
import { applyManifests, kubeConfig } from './support/cluster.ts'

const ignore404 = (e: unknown) => {
  if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
}

describeStoreContract('KubeStore on the API server', async () => {
  const kc = kubeConfig()
  await applyManifests(kc, 'manifests/crds')
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  // The claim registry in a namespace of its own, apart from the one the other files use.
  const store = KubeStore.fromKubeConfig(kc, { serviceNamespace: 'default' })
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const cluster = { group: GROUP, version: VERSION }

  /** Finalizers first, so nothing is left terminating for later files. */
  const removeAll = async (plural: string, names: string[], namespace?: string) => {
    for (const name of names) {
      const where = { ...cluster, plural, name }
      const get = namespace ? custom.getNamespacedCustomObject({ ...where, namespace }) : custom.getClusterCustomObject(where)
      const object = (await get.catch(ignore404)) as { metadata: { finalizers?: string[] } } | undefined
      if (!object) continue
      const body = { ...object, metadata: { ...object.metadata, finalizers: [] } }
      await (namespace ? custom.replaceNamespacedCustomObject({ ...where, namespace, body }) : custom.replaceClusterCustomObject({ ...where, body })).catch(
        ignore404,
      )
      await (namespace ? custom.deleteNamespacedCustomObject({ ...where, namespace }) : custom.deleteClusterCustomObject(where)).catch(ignore404)
    }
  }
  const namesOf = async (prefix: string, plural: string, namespace?: string) => {
    const list = (
      namespace ? await custom.listNamespacedCustomObject({ ...cluster, plural, namespace }) : await custom.listClusterCustomObject({ ...cluster, plural })
    ) as { items: Array<{ metadata: { name: string } }> }
    return list.items.map((o) => o.metadata.name).filter((name) => name.startsWith(prefix))
  }

  return {
    store,
    createSubnet: async (subnet) =>
      parseSpiderSubnet(
        await custom.createClusterCustomObject({
          ...cluster,
          plural: PLURAL.subnet,
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'SpiderSubnet', metadata: subnet.metadata, spec: subnet.spec },
        }),
      ),
    cleanup: async (prefix) => {
      await removeAll(PLURAL.ipPool, await namesOf(prefix, PLURAL.ipPool))
      await removeAll(PLURAL.subnet, await namesOf(prefix, PLURAL.subnet))
      await removeAll(PLURAL.endpoint, await namesOf(prefix, PLURAL.endpoint, 'default'), 'default')
      await core.deleteNamespacedConfigMap({ namespace: 'default', name: CLAIMS_CONFIGMAP }).catch(ignore404)
    },
  }
})
