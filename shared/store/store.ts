import type { IPPoolStatus, SpiderEndpoint, SpiderIPPool, SpiderReservedIP, SpiderSubnet, SubnetStatus } from '../api/index.ts'
import type { WebhookConfiguration } from '../admission/ca-bundle.ts'
import type { ClaimRegistry } from '../claims/index.ts'
import type { ControllerView, LeaseView, NamespaceView, NodeView, PodView, SecretView, WorkloadView } from '../api/views.ts'

/**
 * Everything Spinneret reads from and writes to Kubernetes. The real implementation
 * (kube-store.ts) is the one module that does I/O; memory-store.ts stands in for it in unit tests.
 *
 * Writes are conditional: each takes the resourceVersion that was read and throws StoreConflict
 * when the object changed meanwhile. Callers re-read and decide again (see retry-on-conflict.ts).
 */
export interface Store {
  getPod(namespace: string, name: string, freshness?: Freshness): Promise<PodView | undefined>
  /** Every pod, or those bound to one node; always 'latest'. */
  listPods(nodeName?: string): Promise<PodView[]>
  /** Node, namespace, controllers and reserved IPs are read as 'cached' (see Freshness). */
  getNode(name: string): Promise<NodeView | undefined>
  /** Every node, 'latest': the leader's scan judges which are down or gone. */
  listNodes(): Promise<NodeView[]>
  getNamespace(name: string): Promise<NamespaceView | undefined>
  /** Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob; undefined for other kinds or when gone. */
  getController(kind: string, namespace: string, name: string): Promise<ControllerView | undefined>

  listPools(freshness?: Freshness): Promise<SpiderIPPool[]>
  getPool(name: string, freshness?: Freshness): Promise<SpiderIPPool | undefined>
  /** @returns the pool as written (new resourceVersion). @throws StoreConflict */
  replacePoolStatus(pool: SpiderIPPool, status: IPPoolStatus): Promise<SpiderIPPool>
  /** Replaces metadata.finalizers only. @throws StoreConflict */
  replacePoolFinalizers(pool: SpiderIPPool, finalizers: string[]): Promise<SpiderIPPool>
  /** @returns the pool as stored. @throws StoreConflict when one of that name exists */
  createPool(pool: SpiderIPPool): Promise<SpiderIPPool>
  /** Replaces metadata and spec (not status), conditional on its resourceVersion. @throws StoreConflict */
  replacePool(pool: SpiderIPPool): Promise<SpiderIPPool>
  /** Deletes the pool of that UID (its finalizer holds it while addresses are in use); gone already counts as done. */
  deletePool(pool: SpiderIPPool): Promise<void>

  /** Always 'latest'. */
  listSubnets(): Promise<SpiderSubnet[]>
  /** Always 'latest'. */
  getSubnet(name: string): Promise<SpiderSubnet | undefined>
  /** @throws StoreConflict */
  replaceSubnetStatus(subnet: SpiderSubnet, status: SubnetStatus): Promise<SpiderSubnet>
  /** @throws StoreConflict */
  replaceSubnetFinalizers(subnet: SpiderSubnet, finalizers: string[]): Promise<SpiderSubnet>

  /**
   * A Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob; undefined for other kinds or
   * when gone. Default 'latest': a workload read as gone has its auto pools deleted.
   */
  getWorkload(kind: string, namespace: string, name: string, freshness?: Freshness): Promise<WorkloadView | undefined>

  /** Default 'cached': reserved IPs only narrow future allocations (see Freshness). */
  listReservedIPs(freshness?: Freshness): Promise<SpiderReservedIP[]>

  /** The IP claim registry (shared/claims); empty and without resourceVersion until first written. */
  getClaims(freshness?: Freshness): Promise<ClaimRegistry>
  /** Creates the registry (no resourceVersion) or replaces it conditionally. @returns it as written. @throws StoreConflict */
  writeClaims(registry: ClaimRegistry): Promise<ClaimRegistry>

  /** Default 'latest'; 'cached' where the caller checks what it read (see releaseIPs). */
  getEndpoint(namespace: string, name: string, freshness?: Freshness): Promise<SpiderEndpoint | undefined>
  listEndpoints(): Promise<SpiderEndpoint[]>
  /** @throws StoreConflict when one of that name exists already */
  createEndpoint(endpoint: SpiderEndpoint): Promise<SpiderEndpoint>
  /** Conditional on endpoint.metadata.resourceVersion. @throws StoreConflict */
  replaceEndpoint(endpoint: SpiderEndpoint): Promise<SpiderEndpoint>
  /** Removes the finalizer, then deletes, both conditional; gone already counts as done. @throws StoreConflict */
  deleteEndpoint(endpoint: SpiderEndpoint): Promise<void>
}

/** A core/v1 Event as the service writes it (what `kubectl describe` and `kubectl get events` show). */
export interface EventRecord {
  namespace: string
  name: string
  involvedObject: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string }
  type: 'Normal' | 'Warning'
  reason: string
  message: string
  count: number
  firstTimestamp: string
  lastTimestamp: string
  /** Who reports it: the service on that node (`spinneret`, the node's name). */
  source: { component: string; host?: string }
}

/** Events are written, never read back: the recorder (functions/lib/event-recorder.ts) remembers what it wrote. */
export interface EventStore {
  createEvent(event: EventRecord): Promise<void>
  /** Bumps a repeated event's count and lastTimestamp (a merge patch, as client-go's recorder does). */
  updateEventCount(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void>
}

/** The leader-election Lease: read, created, and replaced conditionally on its resourceVersion. */
export interface LeaseStore {
  getLease(namespace: string, name: string): Promise<LeaseView | undefined>
  /** @throws StoreConflict when one of that name exists already */
  createLease(lease: LeaseView): Promise<LeaseView>
  /** Conditional on lease.resourceVersion. @throws StoreConflict */
  replaceLease(lease: LeaseView): Promise<LeaseView>
}

/** The kinds of webhook configuration whose `caBundle` the service keeps current. */
export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration'

/**
 * What the admission webhooks' TLS bootstrap reads and writes: the Secret that holds the CA and
 * serving certificate (shared by every replica) and the webhook configurations that must trust
 * that CA. Apart from Store because only the service's startup needs it.
 */
export interface WebhookStore {
  getSecret(namespace: string, name: string): Promise<SecretView | undefined>
  /** @throws StoreConflict when a Secret of that name exists already */
  createSecret(secret: SecretView): Promise<SecretView>
  /** Conditional on secret.resourceVersion. @throws StoreConflict */
  replaceSecret(secret: SecretView): Promise<SecretView>
  getWebhookConfiguration(kind: WebhookConfigurationKind, name: string): Promise<WebhookConfiguration | undefined>
  /** Conditional on config.metadata.resourceVersion. @throws StoreConflict */
  replaceWebhookConfiguration(kind: WebhookConfigurationKind, config: WebhookConfiguration): Promise<WebhookConfiguration>
}

/**
 * 'latest' (the default) reads what etcd holds now. 'cached' may be answered from the API
 * server's watch cache (resourceVersion=0), as informers are: cheaper for server and etcd, and
 * possibly a moment old. Allowed where a moment's staleness cannot cost an address: labels and
 * annotations that pick pools, pools read to choose candidates (the pool writer re-reads before it
 * decides), and a pod whose UID the caller checks (a miss or another UID is read again as 'latest').
 */
export type Freshness = 'latest' | 'cached'

/** The object changed (or exists, for a create) since it was read: read again, decide again. */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict'
  constructor(
    readonly kind: string,
    readonly objectName: string,
  ) {
    super(`${kind} ${objectName} was modified concurrently`)
  }
}

export const isStoreConflict = (e: unknown): e is StoreConflict => e instanceof StoreConflict

/** Kinds the controllers watch, with the parsed object each event carries. */
export interface WatchedObjects {
  SpiderIPPool: SpiderIPPool
  SpiderSubnet: SpiderSubnet
  Pod: PodView
  Node: NodeView
  /** Read from a node service's watch cache (shared/kube/watch-cached-reads.ts). */
  Namespace: NamespaceView
  SpiderReservedIP: SpiderReservedIP
  /** The leader-election Lease only (one object, by name). */
  Lease: LeaseView
  Deployment: WorkloadView
  ReplicaSet: WorkloadView
  StatefulSet: WorkloadView
  DaemonSet: WorkloadView
  Job: WorkloadView
  CronJob: WorkloadView
}
export type WatchKind = keyof WatchedObjects
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'
export type WatchHandler<K extends WatchKind> = (type: WatchEventType, object: WatchedObjects[K]) => void

/**
 * Change notifications (kube-watch.ts against the API server; a fake in unit tests). Separate from
 * Store because only the long-running dispatcher needs it, not the request-serving functions.
 */
export interface WatchSource {
  /**
   * Calls `onEvent` for every change of that kind, from the current state on (an ADDED for each
   * object that exists at the start), restarting by itself after errors. Objects that do not
   * parse are logged and skipped. @returns stop
   */
  watch<K extends WatchKind>(kind: K, onEvent: WatchHandler<K>): () => void
  /** Every object of that kind, for periodic resyncs; objects that do not parse are skipped. */
  list<K extends WatchKind>(kind: K): Promise<Array<WatchedObjects[K]>>
}
