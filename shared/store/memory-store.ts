import type { WebhookConfiguration } from '../admission/ca-bundle.ts'
import type { IPPoolStatus, SpiderEndpoint, SpiderIPPool, SpiderReservedIP, SpiderSubnet, SubnetStatus } from '../api/index.ts'
import type { ClaimRegistry } from '../claims/index.ts'
import { StoreConflict, type Freshness, type Store, type WebhookConfigurationKind, type WebhookStore } from './store.ts'
import type { ControllerView, NamespaceView, NodeView, PodView, SecretView, WorkloadView } from '../api/views.ts'

type Versioned = { metadata: { name: string; namespace?: string; resourceVersion?: string } }

/**
 * An in-memory Store for unit tests of the functions. It keeps the one semantic that matters for
 * correctness: every write is refused with StoreConflict unless it carries the current
 * resourceVersion. The integration tests prove the same behaviour against a real API server.
 */
export class MemoryStore implements Store, WebhookStore {
  private version = 1
  readonly pods = new Map<string, PodView>()
  readonly nodes = new Map<string, NodeView>()
  readonly namespaces = new Map<string, NamespaceView>()
  readonly controllers = new Map<string, ControllerView>()
  readonly workloads = new Map<string, WorkloadView>()
  readonly pools = new Map<string, SpiderIPPool>()
  readonly subnets = new Map<string, SpiderSubnet>()
  readonly reservedIPs = new Map<string, SpiderReservedIP>()
  readonly endpoints = new Map<string, SpiderEndpoint>()
  claims: ClaimRegistry = { claims: {} }
  readonly secrets = new Map<string, SecretView>()
  readonly webhookConfigurations = new Map<string, WebhookConfiguration>()
  /** Status and object writes that reached the store, conflicts excluded. */
  writes = 0
  /**
   * What 'cached' reads answer (the API server's watch cache): the current objects, unless a test
   * holds the cache back with holdCache() to see how callers cope with a moment-old answer.
   */
  private held: { pods: Map<string, PodView>; pools: Map<string, SpiderIPPool>; claims: ClaimRegistry } | undefined

  /** From now on 'cached' reads answer the pods, pools and claims as they are now, until releaseCache(). */
  holdCache = () => {
    this.held = { pods: structuredClone(this.pods), pools: structuredClone(this.pools), claims: structuredClone(this.claims) }
  }
  releaseCache = () => {
    this.held = undefined
  }
  private seen = (freshness: Freshness | undefined) => (freshness === 'cached' ? this.held : undefined)

  private stamp<T extends Versioned>(object: T): T {
    const copy = structuredClone(object)
    copy.metadata.resourceVersion = String(++this.version)
    return copy
  }

  /** The stored object with the caller's resourceVersion, so that replace() still checks it. */
  private storedOr<T extends Versioned>(map: Map<string, T>, key: string, asked: T): T {
    const stored = map.get(key)
    return stored ? { ...stored, metadata: { ...stored.metadata, resourceVersion: asked.metadata.resourceVersion } } : asked
  }

  private replace<T extends Versioned>(map: Map<string, T>, key: string, kind: string, next: T): T {
    const current = map.get(key)
    if (!current || current.metadata.resourceVersion !== next.metadata.resourceVersion) {
      throw new StoreConflict(kind, key)
    }
    const stored = this.stamp(next)
    map.set(key, stored)
    this.writes++
    return structuredClone(stored)
  }

  // Seeding helpers for tests: they bypass the conditional-write rule.
  /** Like the API server: a UID once, and a generation that counts spec changes. */
  putPool = (pool: SpiderIPPool) => {
    const previous = this.pools.get(pool.metadata.name)
    const generation = previous
      ? (previous.metadata.generation ?? 1) + (JSON.stringify(previous.spec) === JSON.stringify(pool.spec) ? 0 : 1)
      : (pool.metadata.generation ?? 1)
    const uid = pool.metadata.uid ?? previous?.metadata.uid ?? `uid-${pool.metadata.name}`
    return this.pools.set(pool.metadata.name, this.stamp({ ...pool, metadata: { ...pool.metadata, uid, generation } }))
  }
  putSubnet = (subnet: SpiderSubnet) => this.subnets.set(subnet.metadata.name, this.stamp(subnet))
  putReservedIP = (r: SpiderReservedIP) => this.reservedIPs.set(r.metadata.name, this.stamp(r))
  putPod = (pod: PodView) => this.pods.set(`${pod.namespace}/${pod.name}`, structuredClone(pod))
  putNode = (node: NodeView) => this.nodes.set(node.name, structuredClone(node))
  putNamespace = (ns: NamespaceView) => this.namespaces.set(ns.name, structuredClone(ns))
  putController = (c: ControllerView) => this.controllers.set(`${c.kind}/${c.namespace}/${c.name}`, structuredClone(c))
  putWorkload = (w: WorkloadView) => this.workloads.set(`${w.kind}/${w.namespace}/${w.name}`, structuredClone(w))

  getPod = async (namespace: string, name: string, freshness?: Freshness) => clone((this.seen(freshness)?.pods ?? this.pods).get(`${namespace}/${name}`))
  listPods = async (nodeName?: string) =>
    [...this.pods.values()].filter((p) => nodeName === undefined || p.nodeName === nodeName).map((p) => structuredClone(p))
  getNode = async (name: string) => clone(this.nodes.get(name))
  listNodes = async () => [...this.nodes.values()].map((n) => structuredClone(n))
  getNamespace = async (name: string) => clone(this.namespaces.get(name))
  getController = async (kind: string, namespace: string, name: string) => clone(this.controllers.get(`${kind}/${namespace}/${name}`))

  getWorkload = async (kind: string, namespace: string, name: string, _freshness?: Freshness) => clone(this.workloads.get(`${kind}/${namespace}/${name}`))

  listPools = async (freshness?: Freshness) => [...(this.seen(freshness)?.pools ?? this.pools).values()].map((p) => structuredClone(p))
  getPool = async (name: string, freshness?: Freshness) => clone((this.seen(freshness)?.pools ?? this.pools).get(name))
  /** As the status subresource: everything but the status is the stored object's. */
  replacePoolStatus = async (pool: SpiderIPPool, status: IPPoolStatus) =>
    this.replace(this.pools, pool.metadata.name, 'SpiderIPPool', { ...this.storedOr(this.pools, pool.metadata.name, pool), status })
  replacePoolFinalizers = async (pool: SpiderIPPool, finalizers: string[]) => {
    const written = this.replace(this.pools, pool.metadata.name, 'SpiderIPPool', { ...pool, metadata: { ...pool.metadata, finalizers } })
    // As the API server: an object marked for deletion goes with its last finalizer.
    if (finalizers.length === 0 && written.metadata.deletionTimestamp !== undefined) this.pools.delete(pool.metadata.name)
    return written
  }

  /** As the API server: a UID, generation 1, status only through the status subresource. */
  createPool = async (pool: SpiderIPPool) => {
    if (this.pools.has(pool.metadata.name)) throw new StoreConflict('SpiderIPPool', pool.metadata.name)
    const stored = this.stamp({ ...pool, metadata: { ...pool.metadata, uid: `uid-${pool.metadata.name}-${this.version}`, generation: 1 }, status: {} })
    this.pools.set(pool.metadata.name, stored)
    this.writes++
    return structuredClone(stored)
  }
  /** Metadata and spec; the stored status stays; the generation counts spec changes. */
  replacePool = async (pool: SpiderIPPool) => {
    const current = this.pools.get(pool.metadata.name)
    const changed = current !== undefined && JSON.stringify(current.spec) !== JSON.stringify(pool.spec)
    const generation = (current?.metadata.generation ?? 1) + (changed ? 1 : 0)
    return this.replace(this.pools, pool.metadata.name, 'SpiderIPPool', { ...pool, metadata: { ...pool.metadata, generation }, status: current?.status ?? {} })
  }
  /** A pool with finalizers is only marked for deletion, as the API server does. */
  deletePool = async (pool: SpiderIPPool) => {
    const current = this.pools.get(pool.metadata.name)
    if (!current || (pool.metadata.uid !== undefined && current.metadata.uid !== pool.metadata.uid)) return
    this.writes++
    if ((current.metadata.finalizers ?? []).length === 0) this.pools.delete(pool.metadata.name)
    else if (current.metadata.deletionTimestamp === undefined) {
      this.pools.set(pool.metadata.name, this.stamp({ ...current, metadata: { ...current.metadata, deletionTimestamp: new Date(0).toISOString() } }))
    }
  }

  listSubnets = async () => [...this.subnets.values()].map((s) => structuredClone(s))
  getSubnet = async (name: string) => clone(this.subnets.get(name))
  replaceSubnetStatus = async (subnet: SpiderSubnet, status: SubnetStatus) =>
    this.replace(this.subnets, subnet.metadata.name, 'SpiderSubnet', { ...this.storedOr(this.subnets, subnet.metadata.name, subnet), status })
  replaceSubnetFinalizers = async (subnet: SpiderSubnet, finalizers: string[]) =>
    this.replace(this.subnets, subnet.metadata.name, 'SpiderSubnet', {
      ...subnet,
      metadata: { ...subnet.metadata, finalizers },
    })

  listReservedIPs = async (_freshness?: Freshness) => [...this.reservedIPs.values()].map((r) => structuredClone(r))

  getClaims = async (freshness?: Freshness) => structuredClone(this.seen(freshness)?.claims ?? this.claims)
  writeClaims = async (registry: ClaimRegistry) => {
    if (registry.resourceVersion !== this.claims.resourceVersion) throw new StoreConflict('ConfigMap', 'claims')
    this.claims = { resourceVersion: String(++this.version), claims: structuredClone(registry.claims) }
    this.writes++
    return structuredClone(this.claims)
  }

  getSecret = async (namespace: string, name: string) => clone(this.secrets.get(`${namespace}/${name}`))
  createSecret = async (secret: SecretView) => {
    const key = `${secret.namespace}/${secret.name}`
    if (this.secrets.has(key)) throw new StoreConflict('Secret', key)
    const stored = { ...structuredClone(secret), resourceVersion: String(++this.version) }
    this.secrets.set(key, stored)
    return structuredClone(stored)
  }
  replaceSecret = async (secret: SecretView) => {
    const key = `${secret.namespace}/${secret.name}`
    if (this.secrets.get(key)?.resourceVersion !== secret.resourceVersion) throw new StoreConflict('Secret', key)
    const stored = { ...structuredClone(secret), resourceVersion: String(++this.version) }
    this.secrets.set(key, stored)
    return structuredClone(stored)
  }
  getWebhookConfiguration = async (kind: WebhookConfigurationKind, name: string) => clone(this.webhookConfigurations.get(`${kind}/${name}`))
  replaceWebhookConfiguration = async (kind: WebhookConfigurationKind, config: WebhookConfiguration) =>
    this.replace(this.webhookConfigurations, `${kind}/${config.metadata.name}`, kind, config)

  getEndpoint = async (namespace: string, name: string, _freshness?: Freshness) => clone(this.endpoints.get(`${namespace}/${name}`))
  listEndpoints = async () => [...this.endpoints.values()].map((e) => structuredClone(e))
  createEndpoint = async (endpoint: SpiderEndpoint) => {
    const key = `${endpoint.metadata.namespace}/${endpoint.metadata.name}`
    if (this.endpoints.has(key)) throw new StoreConflict('SpiderEndpoint', key)
    const stored = this.stamp({ ...endpoint, metadata: { ...endpoint.metadata, uid: `uid-${key}-${this.version}` } })
    this.endpoints.set(key, stored)
    this.writes++
    return structuredClone(stored)
  }
  replaceEndpoint = async (endpoint: SpiderEndpoint) =>
    this.replace(this.endpoints, `${endpoint.metadata.namespace}/${endpoint.metadata.name}`, 'SpiderEndpoint', endpoint)
  deleteEndpoint = async (endpoint: SpiderEndpoint) => {
    const key = `${endpoint.metadata.namespace}/${endpoint.metadata.name}`
    const current = this.endpoints.get(key)
    if (!current) return
    // As KubeStore: the finalizer goes first (a conditional write of its own), then the object.
    let resourceVersion = endpoint.metadata.resourceVersion
    if ((endpoint.metadata.finalizers ?? []).length > 0) {
      resourceVersion = this.replace(this.endpoints, key, 'SpiderEndpoint', { ...endpoint, metadata: { ...endpoint.metadata, finalizers: [] } }).metadata
        .resourceVersion
    }
    const stored = this.endpoints.get(key)
    if (stored?.metadata.resourceVersion !== resourceVersion || (endpoint.metadata.uid !== undefined && stored?.metadata.uid !== endpoint.metadata.uid)) {
      throw new StoreConflict('SpiderEndpoint', key)
    }
    this.endpoints.delete(key)
    this.writes++
  }
}

const clone = <T>(value: T | undefined): T | undefined => (value === undefined ? undefined : structuredClone(value))
