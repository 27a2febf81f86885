import type { KubeConfig } from '@kubernetes/client-node'
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
import type { WebhookConfiguration } from '../admission/ca-bundle.ts'
import { parseClaims, serializeClaims, type ClaimRegistry } from '../claims/index.ts'
import { IpamError } from '../errors.ts'
import { KubeApiError, KubeHttp, type KubeRequest } from './kube-http.ts'
import { forbiddenText, rbacRuleOf } from './rbac-rule.ts'
import {
  StoreConflict,
  type EventRecord,
  type EventStore,
  type Freshness,
  type LeaseStore,
  type Store,
  type WebhookConfigurationKind,
  type WebhookStore,
} from '../store/store.ts'
import {
  leaseBody,
  secretBody,
  toControllerView,
  toLeaseView,
  toNamespaceView,
  toNodeView,
  toPodView,
  toSecretView,
  toWorkloadView,
  type RawLease,
  type RawObject,
  type RawSecret,
  type RawWorkload,
} from './to-views.ts'
import type { LeaseView, SecretView } from '../api/views.ts'

/** Counted so the service can report API traffic per allocation (and the benchmark can print it). */
export interface StoreMetrics {
  reads: number
  writes: number
  conflicts: number
}

const crdPath = (plural: string, name?: string, namespace?: string) =>
  `/apis/${GROUP}/${VERSION}${namespace ? `/namespaces/${enc(namespace)}` : ''}/${plural}${name === undefined ? '' : `/${enc(name)}`}`

const enc = encodeURIComponent

// Served from the API server's watch cache instead of a quorum read from etcd: cheaper for both,
// possibly a moment old. See Freshness in store.ts for which reads may take it.
const FROM_CACHE = { resourceVersion: '0' }

const CONTROLLER_PATHS: Record<string, string> = {
  ReplicaSet: 'apps/v1/namespaces/{ns}/replicasets',
  Deployment: 'apps/v1/namespaces/{ns}/deployments',
  StatefulSet: 'apps/v1/namespaces/{ns}/statefulsets',
  DaemonSet: 'apps/v1/namespaces/{ns}/daemonsets',
  Job: 'batch/v1/namespaces/{ns}/jobs',
  CronJob: 'batch/v1/namespaces/{ns}/cronjobs',
}

type List = { items?: unknown[] }

/** The ConfigMap in the service's namespace that holds the IP claim registry (shared/claims). */
export const CLAIMS_CONFIGMAP = 'spinneret-ip-claims'

type RawConfigMap = { metadata?: { resourceVersion?: string }; data?: Record<string, string> }

const WEBHOOK_PLURAL: Record<WebhookConfigurationKind, string> = {
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
}
const webhookPath = (kind: WebhookConfigurationKind, name: string) => `/apis/admissionregistration.k8s.io/v1/${WEBHOOK_PLURAL[kind]}/${enc(name)}`

export interface KubeStoreOptions {
  /** Where the claim registry lives: the service's own namespace. Default `kube-system`. */
  serviceNamespace?: string
}

/**
 * The one module that talks to Kubernetes (over kube-http.ts). Everything read is parsed at this
 * edge (CRDs with the valibot schemas, core objects into views); every write is conditional on
 * the resourceVersion of the object the caller read.
 */
export class KubeStore implements Store, WebhookStore, EventStore, LeaseStore {
  readonly metrics: StoreMetrics = { reads: 0, writes: 0, conflicts: 0 }
  /** Told when a request could not reach the API server at all (readiness checks again at once). */
  onUnreachable: (() => void) | undefined
  private readonly claimsPath: string

  constructor(
    private readonly http: KubeHttp,
    options: KubeStoreOptions = {},
  ) {
    this.claimsPath = `/api/v1/namespaces/${enc(options.serviceNamespace ?? 'kube-system')}/configmaps`
  }

  static fromKubeConfig = (kubeConfig: KubeConfig, options?: KubeStoreOptions) => new KubeStore(new KubeHttp(kubeConfig), options)

  private async read<T>(what: string, path: string, query?: KubeRequest['query']): Promise<T | undefined> {
    this.metrics.reads++
    try {
      return await this.http.json<T>('GET', path, { query })
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) return undefined
      throw this.failure(what, e, 'GET', path, query)
    }
  }

  /** `ifGone` answers for an object that no longer exists (404); without it that is a failure. */
  private async write<T>(kind: string, name: string, method: string, path: string, request: KubeRequest, ifGone?: () => T): Promise<T> {
    this.metrics.writes++
    try {
      return await this.http.json<T>(method, path, request)
    } catch (e) {
      if (ifGone && e instanceof KubeApiError && e.code === 404) return ifGone()
      if (e instanceof KubeApiError && e.code === 409) {
        this.metrics.conflicts++
        throw new StoreConflict(kind, name)
      }
      throw this.failure(`${method === 'DELETE' ? 'delete' : 'write'} ${kind} ${name}`, e, method, path, request.query)
    }
  }

  // An API server that is down or overloaded is transient for the caller: try again later.
  // A 403 names the RBAC rule the service lacks; any other refusal (400, 422...) is the service's
  // own fault, which no retry cures: internal, with the server's message.
  private failure(what: string, e: unknown, method: string, path: string, query?: KubeRequest['query']): IpamError {
    const server = this.http.server
    if (!(e instanceof KubeApiError)) {
      this.onUnreachable?.()
      const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e)
      return new IpamError('try-again', `Kubernetes API at ${server} unreachable (${what}): ${cause}`)
    }
    if (e.code === 429 || e.code >= 500) {
      return new IpamError('try-again', `Kubernetes API at ${server} unavailable (${what}, ${e.code}): ${e.message}`)
    }
    if (e.code === 403) return new IpamError('forbidden', forbiddenText(rbacRuleOf(method, path, query ?? {})), e.message)
    return new IpamError('internal', `Kubernetes API refused ${what} (${e.code}): ${e.message}`)
  }

  /**
   * What keeps the service from serving, read from the API server's discovery of our group: the
   * server unreachable, or a CRD not installed or not yet established. Empty when all is well.
   */
  async apiProblems(): Promise<string[]> {
    let resources: Array<{ name?: string }>
    try {
      resources = (await this.http.json<{ resources?: Array<{ name?: string }> }>('GET', `/apis/${GROUP}/${VERSION}`)).resources ?? []
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 404) {
        return [`the ${GROUP}/${VERSION} API is not served: install the CRDs (manifests/crds)`]
      }
      return [this.failure(`discovery of ${GROUP}/${VERSION}`, e, 'GET', `/apis/${GROUP}/${VERSION}`).message]
    }
    const served = new Set(resources.map((r) => r.name))
    return Object.values(PLURAL)
      .filter((plural) => !served.has(plural))
      .map((plural) => `CRD ${plural}.${GROUP} is not installed or not yet established`)
  }

  getPod = async (namespace: string, name: string, freshness: Freshness = 'latest') =>
    mapDefined(
      await this.read<RawObject>(`get pod ${namespace}/${name}`, `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`, queryFor(freshness)),
      toPodView,
    )

  listPods = async (nodeName?: string) => {
    const query = nodeName === undefined ? undefined : { fieldSelector: `spec.nodeName=${nodeName}` }
    return ((await this.read<List>('list pods', '/api/v1/pods', query))?.items ?? []).map((p) => toPodView(p as RawObject))
  }

  getNode = async (name: string) => mapDefined(await this.read<RawObject>(`get node ${name}`, `/api/v1/nodes/${enc(name)}`, FROM_CACHE), toNodeView)

  listNodes = async () => ((await this.read<List>('list nodes', '/api/v1/nodes'))?.items ?? []).map((n) => toNodeView(n as RawObject))

  getLease = async (namespace: string, name: string) =>
    mapDefined(await this.read<RawLease>(`get lease ${namespace}/${name}`, leasePath(namespace, name)), toLeaseView)

  createLease = async (lease: LeaseView) =>
    toLeaseView(await this.write<RawLease>('Lease', `${lease.namespace}/${lease.name}`, 'POST', leasePath(lease.namespace), { body: leaseBody(lease) }))

  replaceLease = async (lease: LeaseView) =>
    toLeaseView(
      await this.write<RawLease>('Lease', `${lease.namespace}/${lease.name}`, 'PUT', leasePath(lease.namespace, lease.name), { body: leaseBody(lease) }),
    )

  getNamespace = async (name: string) =>
    mapDefined(await this.read<RawObject>(`get namespace ${name}`, `/api/v1/namespaces/${enc(name)}`, FROM_CACHE), toNamespaceView)

  getController = async (kind: string, namespace: string, name: string) => {
    const collection = CONTROLLER_PATHS[kind]
    if (!collection) return undefined
    const path = `/apis/${collection.replace('{ns}', enc(namespace))}/${enc(name)}`
    return mapDefined(await this.read<RawObject>(`get ${kind} ${namespace}/${name}`, path, FROM_CACHE), (o) => toControllerView(kind, o))
  }

  getWorkload = async (kind: string, namespace: string, name: string, freshness: Freshness = 'latest') => {
    const collection = CONTROLLER_PATHS[kind]
    if (!collection) return undefined
    const path = `/apis/${collection.replace('{ns}', enc(namespace))}/${enc(name)}`
    return mapDefined(await this.read<RawWorkload>(`get ${kind} ${namespace}/${name}`, path, queryFor(freshness)), (o) => toWorkloadView(kind, o))
  }

  listPools = async (freshness: Freshness = 'latest') => (await this.listCluster(PLURAL.ipPool, freshness)).map(parseSpiderIPPool)

  getPool = async (name: string, freshness: Freshness = 'latest') =>
    mapDefined(await this.read(`get ${PLURAL.ipPool} ${name}`, crdPath(PLURAL.ipPool, name), queryFor(freshness)), parseSpiderIPPool)

  replacePoolStatus = async (pool: SpiderIPPool, status: IPPoolStatus) =>
    parseSpiderIPPool(await this.replaceClusterObject(KIND.ipPool, PLURAL.ipPool, { ...pool, status }, '/status'))

  replacePoolFinalizers = async (pool: SpiderIPPool, finalizers: string[]) =>
    parseSpiderIPPool(await this.replaceClusterObject(KIND.ipPool, PLURAL.ipPool, withFinalizers(pool, finalizers)))

  createPool = async (pool: SpiderIPPool) =>
    parseSpiderIPPool(
      await this.write(KIND.ipPool, pool.metadata.name, 'POST', crdPath(PLURAL.ipPool), {
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.ipPool, metadata: pool.metadata, spec: pool.spec },
      }),
    )

  replacePool = async (pool: SpiderIPPool) => parseSpiderIPPool(await this.replaceClusterObject(KIND.ipPool, PLURAL.ipPool, pool))

  deletePool = async (pool: SpiderIPPool) => {
    // By UID only: the resourceVersion changes with every allocation, the pool's identity does not.
    const preconditions = pool.metadata.uid === undefined ? {} : { preconditions: { uid: pool.metadata.uid } }
    await this.write(
      KIND.ipPool,
      pool.metadata.name,
      'DELETE',
      crdPath(PLURAL.ipPool, pool.metadata.name),
      { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...preconditions } },
      () => undefined,
    )
  }

  listSubnets = async () => (await this.listCluster(PLURAL.subnet, 'latest')).map(parseSpiderSubnet)

  getSubnet = async (name: string) => mapDefined(await this.read(`get ${PLURAL.subnet} ${name}`, crdPath(PLURAL.subnet, name)), parseSpiderSubnet)

  /**
   * The user this service acts as (SelfSubjectReview, which every authenticated user may ask):
   * the admission webhooks let only it change an auto pool's addresses.
   */
  whoAmI = async (): Promise<string | undefined> => {
    const review = await this.write<{ status?: { userInfo?: { username?: string } } }>(
      'SelfSubjectReview',
      'self',
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      },
    )
    return review.status?.userInfo?.username
  }

  replaceSubnetStatus = async (subnet: SpiderSubnet, status: SubnetStatus) =>
    parseSpiderSubnet(await this.replaceClusterObject(KIND.subnet, PLURAL.subnet, { ...subnet, status }, '/status'))

  replaceSubnetFinalizers = async (subnet: SpiderSubnet, finalizers: string[]) =>
    parseSpiderSubnet(await this.replaceClusterObject(KIND.subnet, PLURAL.subnet, withFinalizers(subnet, finalizers)))

  listReservedIPs = async (freshness: Freshness = 'cached') => (await this.listCluster(PLURAL.reservedIP, freshness)).map(parseSpiderReservedIP)

  getClaims = async (freshness: Freshness = 'latest'): Promise<ClaimRegistry> => {
    const object = await this.read<RawConfigMap>('get the IP claim registry', `${this.claimsPath}/${CLAIMS_CONFIGMAP}`, queryFor(freshness))
    return object ? toClaimRegistry(object) : { claims: {} }
  }

  writeClaims = async (registry: ClaimRegistry): Promise<ClaimRegistry> => {
    const { resourceVersion } = registry
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CLAIMS_CONFIGMAP, resourceVersion },
      data: serializeClaims(registry.claims),
    }
    const written =
      resourceVersion === undefined
        ? await this.write<RawConfigMap>('ConfigMap', CLAIMS_CONFIGMAP, 'POST', this.claimsPath, { body })
        : await this.write<RawConfigMap>('ConfigMap', CLAIMS_CONFIGMAP, 'PUT', `${this.claimsPath}/${CLAIMS_CONFIGMAP}`, { body })
    return toClaimRegistry(written)
  }

  getSecret = async (namespace: string, name: string) =>
    mapDefined(await this.read<RawSecret>(`get secret ${namespace}/${name}`, `/api/v1/namespaces/${enc(namespace)}/secrets/${enc(name)}`), toSecretView)

  createSecret = async (secret: SecretView) =>
    toSecretView(
      await this.write<RawSecret>('Secret', `${secret.namespace}/${secret.name}`, 'POST', `/api/v1/namespaces/${enc(secret.namespace)}/secrets`, {
        body: secretBody(secret),
      }),
    )

  replaceSecret = async (secret: SecretView) =>
    toSecretView(
      await this.write<RawSecret>(
        'Secret',
        `${secret.namespace}/${secret.name}`,
        'PUT',
        `/api/v1/namespaces/${enc(secret.namespace)}/secrets/${enc(secret.name)}`,
        {
          body: secretBody(secret),
        },
      ),
    )

  getWebhookConfiguration = async (kind: WebhookConfigurationKind, name: string) =>
    this.read<WebhookConfiguration>(`get ${kind} ${name}`, webhookPath(kind, name))

  replaceWebhookConfiguration = async (kind: WebhookConfigurationKind, config: WebhookConfiguration) =>
    this.write<WebhookConfiguration>(kind, config.metadata.name, 'PUT', webhookPath(kind, config.metadata.name), {
      body: { ...config, apiVersion: 'admissionregistration.k8s.io/v1', kind },
    })

  createEvent = async (event: EventRecord): Promise<void> => {
    const { namespace, name, ...fields } = event
    await this.write('Event', `${namespace}/${name}`, 'POST', `/api/v1/namespaces/${enc(namespace)}/events`, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        ...fields,
        reportingComponent: fields.source.component,
        reportingInstance: fields.source.host ?? '',
      },
    })
  }

  updateEventCount = async (namespace: string, name: string, count: number, lastTimestamp: string): Promise<void> => {
    await this.write('Event', `${namespace}/${name}`, 'PATCH', `/api/v1/namespaces/${enc(namespace)}/events/${enc(name)}`, {
      body: { count, lastTimestamp },
      contentType: 'application/merge-patch+json',
    })
  }

  getEndpoint = async (namespace: string, name: string, freshness: Freshness = 'latest') =>
    mapDefined(
      await this.read(`get ${KIND.endpoint} ${namespace}/${name}`, crdPath(PLURAL.endpoint, name, namespace), queryFor(freshness)),
      parseSpiderEndpoint,
    )

  listEndpoints = async () => ((await this.read<List>(`list ${PLURAL.endpoint}`, crdPath(PLURAL.endpoint)))?.items ?? []).map(parseSpiderEndpoint)

  createEndpoint = async (endpoint: SpiderEndpoint) =>
    parseSpiderEndpoint(
      await this.write(KIND.endpoint, endpoint.metadata.name, 'POST', crdPath(PLURAL.endpoint, undefined, namespaceOf(endpoint)), {
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.endpoint, ...endpoint },
      }),
    )

  replaceEndpoint = async (endpoint: SpiderEndpoint) => parseSpiderEndpoint(await this.replaceEndpointObject(endpoint))

  deleteEndpoint = async (endpoint: SpiderEndpoint) => {
    const namespace = namespaceOf(endpoint)
    const name = endpoint.metadata.name
    let resourceVersion = endpoint.metadata.resourceVersion
    // Someone else deleting it meanwhile gives the outcome we want.
    const gone = () => undefined
    if ((endpoint.metadata.finalizers ?? []).length > 0) {
      const updated = await this.replaceEndpointObject(withFinalizers(endpoint, []), gone)
      if (updated === undefined) return
      resourceVersion = parseSpiderEndpoint(updated).metadata.resourceVersion
    }
    const preconditions = { resourceVersion, uid: endpoint.metadata.uid }
    await this.write(
      KIND.endpoint,
      name,
      'DELETE',
      crdPath(PLURAL.endpoint, name, namespace),
      { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } },
      gone,
    )
  }

  private replaceEndpointObject = (endpoint: SpiderEndpoint, ifGone?: () => undefined): Promise<unknown> =>
    this.write(
      KIND.endpoint,
      endpoint.metadata.name,
      'PUT',
      crdPath(PLURAL.endpoint, endpoint.metadata.name, namespaceOf(endpoint)),
      { body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND.endpoint, ...endpoint } },
      ifGone,
    )

  private listCluster = async (plural: string, freshness: Freshness): Promise<unknown[]> =>
    (await this.read<List>(`list ${plural}`, crdPath(plural), queryFor(freshness)))?.items ?? []

  /** PUT of a cluster-scoped object, or of its status subresource (which ignores all but status). */
  private replaceClusterObject = <T extends { metadata: { name: string } }>(kind: string, plural: string, body: T, subresource: '' | '/status' = '') =>
    this.write(kind, body.metadata.name, 'PUT', crdPath(plural, body.metadata.name) + subresource, {
      body: { apiVersion: `${GROUP}/${VERSION}`, kind, ...body },
    })
}

const leasePath = (namespace: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases${name === undefined ? '' : `/${enc(name)}`}`

const toClaimRegistry = (object: RawConfigMap): ClaimRegistry => ({
  ...(object.metadata?.resourceVersion === undefined ? {} : { resourceVersion: object.metadata.resourceVersion }),
  claims: parseClaims(object.data),
})

const queryFor = (freshness: Freshness) => (freshness === 'cached' ? FROM_CACHE : undefined)

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
