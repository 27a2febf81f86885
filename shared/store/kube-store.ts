import * as k8s from '@kubernetes/client-node'
import {
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  parseSpiderEndpoint,
  parseSpiderIPPool,
  parseSpiderReservedIP,
  parseSpiderSubnet,
  type IPPoolStatus,
  type SpiderEndpoint,
  type SpiderIPPool,
  type SubnetStatus,
  type SpiderSubnet,
} from '../api/index.ts'
import { IpamError } from '../errors.ts'
import { StoreConflict, type Store } from './store.ts'
import { toControllerView, toNamespaceView, toNodeView, toPodView } from './to-views.ts'

/** Counted so the service can report API traffic per allocation (and the benchmark can print it). */
export interface StoreMetrics {
  reads: number
  writes: number
  conflicts: number
}

const crd = (plural: string) => ({ group: GROUP, version: VERSION, plural })

const codeOf = (e: unknown): number | undefined =>
  e instanceof k8s.ApiException ? e.code : undefined

/**
 * The one module that talks to Kubernetes. Everything read is parsed at this edge (CRDs with the
 * valibot schemas, core objects into views); every write is conditional on the resourceVersion
 * of the object the caller read.
 */
export class KubeStore implements Store {
  readonly metrics: StoreMetrics = { reads: 0, writes: 0, conflicts: 0 }
  private readonly core: k8s.CoreV1Api
  private readonly apps: k8s.AppsV1Api
  private readonly batch: k8s.BatchV1Api
  private readonly custom: k8s.CustomObjectsApi
  private readonly server: string

  constructor(kubeConfig: k8s.KubeConfig) {
    reuseConnections(kubeConfig)
    this.core = kubeConfig.makeApiClient(k8s.CoreV1Api)
    this.apps = kubeConfig.makeApiClient(k8s.AppsV1Api)
    this.batch = kubeConfig.makeApiClient(k8s.BatchV1Api)
    this.custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi)
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)'
  }

  /** KUBECONFIG, ~/.kube/config or the in-cluster service account, in that order. */
  static fromDefault(): KubeStore {
    const kc = new k8s.KubeConfig()
    kc.loadFromDefault()
    return new KubeStore(kc)
  }

  private async read<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    this.metrics.reads++
    try {
      return await honourRetryAfter(call)
    } catch (e) {
      if (codeOf(e) === 404) return undefined
      throw this.failure(what, e)
    }
  }

  private async write<T>(kind: string, name: string, call: () => Promise<T>): Promise<T> {
    this.metrics.writes++
    try {
      return await honourRetryAfter(call)
    } catch (e) {
      if (codeOf(e) === 409) {
        this.metrics.conflicts++
        throw new StoreConflict(kind, name)
      }
      throw this.failure(`write ${kind} ${name}`, e)
    }
  }

  // An API server that is down or overloaded is transient for the caller: try again later.
  // A refusal (422 invalid, 403 forbidden) is not, and keeps the server's own message.
  private failure(what: string, e: unknown): IpamError {
    const code = codeOf(e)
    if (code === undefined) {
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)
      return new IpamError('try-again', `Kubernetes API at ${this.server} unreachable (${what}): ${cause}`)
    }
    const message = statusMessage((e as k8s.ApiException<unknown>).body)
    if (code === 429 || code >= 500) {
      return new IpamError('try-again', `Kubernetes API at ${this.server} unavailable (${what}, ${code}): ${message}`)
    }
    return new IpamError('invalid-request', `Kubernetes API refused ${what} (${code}): ${message}`)
  }

  getPod = async (namespace: string, name: string) =>
    mapDefined(await this.read(`get pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name })), toPodView)

  listPods = async () =>
    ((await this.read('list pods', () => this.core.listPodForAllNamespaces()))?.items ?? []).map(toPodView)

  getNode = async (name: string) => mapDefined(await this.read(`get node ${name}`, () => this.core.readNode({ name })), toNodeView)

  getNamespace = async (name: string) =>
    mapDefined(await this.read(`get namespace ${name}`, () => this.core.readNamespace({ name })), toNamespaceView)

  getController = async (kind: string, namespace: string, name: string) => {
    const args = { namespace, name }
    type Workload = k8s.KubernetesObject & { spec?: { replicas?: number } }
    const readers: Record<string, () => Promise<Workload>> = {
      ReplicaSet: () => this.apps.readNamespacedReplicaSet(args),
      Deployment: () => this.apps.readNamespacedDeployment(args),
      StatefulSet: () => this.apps.readNamespacedStatefulSet(args),
      DaemonSet: () => this.apps.readNamespacedDaemonSet(args) as Promise<Workload>,
      Job: () => this.batch.readNamespacedJob(args) as Promise<Workload>,
      CronJob: () => this.batch.readNamespacedCronJob(args) as Promise<Workload>,
    }
    const reader = readers[kind]
    if (!reader) return undefined
    return mapDefined(await this.read(`get ${kind} ${namespace}/${name}`, reader), (o) => toControllerView(kind, o))
  }

  listPools = async () => (await this.listCluster(PLURAL.ipPool)).map(parseSpiderIPPool)

  getPool = async (name: string) => mapDefined(await this.getCluster(PLURAL.ipPool, name), parseSpiderIPPool)

  replacePoolStatus = async (pool: SpiderIPPool, status: IPPoolStatus) =>
    parseSpiderIPPool(
      await this.write(KIND.ipPool, pool.metadata.name, () =>
        this.custom.replaceClusterCustomObjectStatus({
          ...crd(PLURAL.ipPool),
          name: pool.metadata.name,
          body: { ...pool, status },
        }),
      ),
    )

  replacePoolFinalizers = async (pool: SpiderIPPool, finalizers: string[]) =>
    parseSpiderIPPool(await this.replaceClusterObject(KIND.ipPool, PLURAL.ipPool, withFinalizers(pool, finalizers)))

  listSubnets = async () => (await this.listCluster(PLURAL.subnet)).map(parseSpiderSubnet)

  replaceSubnetStatus = async (subnet: SpiderSubnet, status: SubnetStatus) =>
    parseSpiderSubnet(
      await this.write(KIND.subnet, subnet.metadata.name, () =>
        this.custom.replaceClusterCustomObjectStatus({
          ...crd(PLURAL.subnet),
          name: subnet.metadata.name,
          body: { ...subnet, status },
        }),
      ),
    )

  replaceSubnetFinalizers = async (subnet: SpiderSubnet, finalizers: string[]) =>
    parseSpiderSubnet(await this.replaceClusterObject(KIND.subnet, PLURAL.subnet, withFinalizers(subnet, finalizers)))

  listReservedIPs = async () => (await this.listCluster(PLURAL.reservedIP)).map(parseSpiderReservedIP)

  getEndpoint = async (namespace: string, name: string) =>
    mapDefined(
      await this.read(`get ${KIND.endpoint} ${namespace}/${name}`, () =>
        this.custom.getNamespacedCustomObject({ ...crd(PLURAL.endpoint), namespace, name }),
      ),
      parseSpiderEndpoint,
    )

  listEndpoints = async () =>
    (
      ((await this.read(`list ${PLURAL.endpoint}`, () =>
        this.custom.listCustomObjectForAllNamespaces({ group: GROUP, version: VERSION, resourcePlural: PLURAL.endpoint }),
      )) as { items?: unknown[] } | undefined)?.items ?? []
    ).map(parseSpiderEndpoint)

  createEndpoint = async (endpoint: SpiderEndpoint) =>
    parseSpiderEndpoint(
      await this.write(KIND.endpoint, endpoint.metadata.name, () =>
        this.custom.createNamespacedCustomObject({
          ...crd(PLURAL.endpoint),
          namespace: namespaceOf(endpoint),
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.endpoint, ...endpoint },
        }),
      ),
    )

  replaceEndpoint = async (endpoint: SpiderEndpoint) =>
    parseSpiderEndpoint(
      await this.write(KIND.endpoint, endpoint.metadata.name, () =>
        this.custom.replaceNamespacedCustomObject({
          ...crd(PLURAL.endpoint),
          namespace: namespaceOf(endpoint),
          name: endpoint.metadata.name,
          body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.endpoint, ...endpoint },
        }),
      ),
    )

  deleteEndpoint = async (endpoint: SpiderEndpoint) => {
    const namespace = namespaceOf(endpoint)
    const name = endpoint.metadata.name
    let resourceVersion = endpoint.metadata.resourceVersion
    if ((endpoint.metadata.finalizers ?? []).length > 0) {
      const body = { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.endpoint, ...withFinalizers(endpoint, []) }
      const updated = await this.write(KIND.endpoint, name, () =>
        ignoreNotFound(this.custom.replaceNamespacedCustomObject({ ...crd(PLURAL.endpoint), namespace, name, body })),
      )
      // Someone else deleted it meanwhile: that is the outcome we want.
      if (updated === undefined) return
      resourceVersion = parseSpiderEndpoint(updated).metadata.resourceVersion
    }
    await this.write(KIND.endpoint, name, () =>
      ignoreNotFound(
        this.custom.deleteNamespacedCustomObject({
          ...crd(PLURAL.endpoint),
          namespace,
          name,
          body: { preconditions: { resourceVersion, uid: endpoint.metadata.uid } },
        }),
      ),
    )
  }

  private listCluster = async (plural: string): Promise<unknown[]> =>
    ((await this.read(`list ${plural}`, () => this.custom.listClusterCustomObject(crd(plural)))) as { items?: unknown[] } | undefined)
      ?.items ?? []

  private getCluster = (plural: string, name: string): Promise<unknown> =>
    this.read(`get ${plural} ${name}`, () => this.custom.getClusterCustomObject({ ...crd(plural), name }))

  private replaceClusterObject = (kind: string, plural: string, body: { metadata: { name: string } }) =>
    this.write(kind, body.metadata.name, () =>
      this.custom.replaceClusterCustomObject({ ...crd(plural), name: body.metadata.name, body }),
    )
}

/**
 * client-node 2.0 builds a new undici Agent for every request (KubeConfig.createDispatcher), so
 * every API call paid a fresh TCP and TLS handshake: measured here, 50 concurrent GETs ran at
 * ~80/s over 50 short-lived connections. One Agent per KubeConfig (one cluster, one user) keeps
 * the connections alive. Same bug as kubernetes-client/javascript#2893 on the https.Agent path.
 */
function reuseConnections(kubeConfig: k8s.KubeConfig): void {
  const target = kubeConfig as unknown as { createDispatcher?: (...args: unknown[]) => unknown; pooled?: boolean }
  const create = target.createDispatcher
  if (typeof create !== 'function' || target.pooled) return
  let agent: unknown
  target.createDispatcher = (...args: unknown[]) => (agent ??= create.apply(kubeConfig, args))
  target.pooled = true
}

const RETRY_AFTER_TRIES = 5
const RETRY_AFTER_CAP_MS = 2000

/**
 * A 429 with Retry-After means the API server did not process the request and asks for it again
 * shortly: it answers so while a CRD's storage is (re)initializing, or under priority-and-
 * fairness throttling. client-go retries these itself; so do we, a bounded number of times, so
 * that a blip does not fail a pod's network setup.
 */
async function honourRetryAfter<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (e) {
      if (!(e instanceof k8s.ApiException) || e.code !== 429 || attempt >= RETRY_AFTER_TRIES) throw e
      const seconds = Number(e.headers['retry-after'] ?? 1)
      const delay = Math.min(RETRY_AFTER_CAP_MS, Number.isFinite(seconds) ? seconds * 1000 : 1000)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

const ignoreNotFound = async <T>(call: Promise<T>): Promise<T | undefined> => {
  try {
    return await call
  } catch (e) {
    if (codeOf(e) === 404) return undefined
    throw e
  }
}

const mapDefined = <A, B>(value: A | undefined, f: (a: A) => B): B | undefined => (value === undefined ? undefined : f(value))

const namespaceOf = (endpoint: SpiderEndpoint): string => {
  const namespace = endpoint.metadata.namespace
  if (!namespace) throw new IpamError('invalid-request', `SpiderEndpoint ${endpoint.metadata.name} has no namespace`)
  return namespace
}

const withFinalizers = <T extends { metadata: { finalizers?: string[] } }>(object: T, finalizers: string[]): T => ({
  ...object,
  metadata: { ...object.metadata, finalizers },
})

// The API server answers errors with a Status object; client-node hands its body over as text.
const statusMessage = (body: unknown): string => {
  if (typeof body !== 'string') return String((body as { message?: unknown } | undefined)?.message ?? body)
  try {
    return String((JSON.parse(body) as { message?: unknown }).message ?? body)
  } catch {
    return body
  }
}
