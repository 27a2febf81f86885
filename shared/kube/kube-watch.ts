import type { KubeConfig } from '@kubernetes/client-node'
import { GROUP, PLURAL, VERSION, parseSpiderIPPool, parseSpiderReservedIP, parseSpiderSubnet } from '../api/index.ts'
import { IpamError } from '../errors.ts'
import { silentLogger, type Logger } from '../log.ts'
import type { WatchEventType, WatchHandler, WatchKind, WatchSource, WatchedObjects } from '../store/store.ts'
import { KubeHttp } from './kube-http.ts'
import { toLeaseView, toNamespaceView, toNodeView, toPodView, toWorkloadView, type RawLease, type RawObject, type RawWorkload } from './to-views.ts'

/** The two API calls a watch needs, raw (unparsed): the seam unit tests replace. */
export interface WatchTransport {
  list(kind: WatchKind): Promise<{ items: unknown[]; resourceVersion: string }>
  /**
   * Opens a watch from `resourceVersion`; `onEvent` gets each line, `done` is called once when the
   * stream ends (null: closed cleanly). @returns a function that aborts the stream
   */
  open(kind: WatchKind, resourceVersion: string, onEvent: (type: string, object: unknown) => void, done: (error: unknown) => void): Promise<() => void>
}

export interface KubeWatchOptions {
  log?: Logger
  /** Told when a watch fails (stream broken, list refused): readiness checks the API server at once. */
  onTrouble?: (kind: WatchKind, error: unknown) => void
  /** Delay after the first failure in a row; doubles up to maxBackoffMs, with jitter. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  random?: () => number
}

const PATH: Record<Exclude<WatchKind, 'Lease'>, string> = {
  SpiderIPPool: `/apis/${GROUP}/${VERSION}/${PLURAL.ipPool}`,
  SpiderSubnet: `/apis/${GROUP}/${VERSION}/${PLURAL.subnet}`,
  Pod: '/api/v1/pods',
  Node: '/api/v1/nodes',
  Namespace: '/api/v1/namespaces',
  SpiderReservedIP: `/apis/${GROUP}/${VERSION}/${PLURAL.reservedIP}`,
  Deployment: '/apis/apps/v1/deployments',
  ReplicaSet: '/apis/apps/v1/replicasets',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
}

const PARSE: { [K in WatchKind]: (raw: unknown) => WatchedObjects[K] } = {
  SpiderIPPool: parseSpiderIPPool,
  SpiderSubnet: parseSpiderSubnet,
  Pod: (raw) => toPodView(raw as RawObject),
  Node: (raw) => toNodeView(raw as RawObject),
  Namespace: (raw) => toNamespaceView(raw as RawObject),
  SpiderReservedIP: parseSpiderReservedIP,
  Lease: (raw) => toLeaseView(raw as RawLease),
  Deployment: (raw) => toWorkloadView('Deployment', raw as RawWorkload),
  ReplicaSet: (raw) => toWorkloadView('ReplicaSet', raw as RawWorkload),
  StatefulSet: (raw) => toWorkloadView('StatefulSet', raw as RawWorkload),
  DaemonSet: (raw) => toWorkloadView('DaemonSet', raw as RawWorkload),
  Job: (raw) => toWorkloadView('Job', raw as RawWorkload),
  CronJob: (raw) => toWorkloadView('CronJob', raw as RawWorkload),
}

type RawMeta = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } }
const metaOf = (raw: unknown) => (raw as RawMeta | null)?.metadata ?? {}
const keyOf = (raw: unknown) => {
  const { namespace, name } = metaOf(raw)
  return namespace ? `${namespace}/${name}` : String(name)
}

// The server ends a watch after timeoutSeconds (spread, as client-go does, so that watchers do
// not all reconnect at once); the client gives up on a stream silent for longer than that.
const WATCH_SECONDS = 300

export interface KubeWatchTransportOptions {
  /** Only the pods bound to this node (a field selector), as a node's kubelet sees them; and a Node watch only this node. */
  podsOnNode?: string
  /** The one Lease a `Lease` watch follows (leader election). */
  lease?: { namespace: string; name: string }
  random?: () => number
}

/** The real transport: a list, then a watch stream, both over kube-http.ts. */
export const kubeWatchTransport = (http: KubeHttp, options: KubeWatchTransportOptions = {}): WatchTransport => {
  const random = options.random ?? Math.random
  const selector = (kind: WatchKind) =>
    kind === 'Pod' && options.podsOnNode
      ? { fieldSelector: `spec.nodeName=${options.podsOnNode}` }
      : kind === 'Node' && options.podsOnNode
        ? { fieldSelector: `metadata.name=${options.podsOnNode}` }
        : kind === 'Lease' && options.lease
          ? { fieldSelector: `metadata.name=${options.lease.name}` }
          : {}
  const pathOf = (kind: WatchKind): string => {
    if (kind !== 'Lease') return PATH[kind]
    if (!options.lease) throw new Error('a Lease watch needs the lease it follows (KubeWatchTransportOptions.lease)')
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.lease.namespace)}/leases`
  }
  return {
    list: async (kind) => {
      const list = await http.json<{ items?: unknown[]; metadata?: { resourceVersion?: string } }>('GET', pathOf(kind), { query: selector(kind) })
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' }
    },
    open: async (kind, resourceVersion, onEvent, done) => {
      const seconds = Math.round(WATCH_SECONDS * (1 + random()))
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(new DOMException('watch silent too long', 'TimeoutError')), (seconds + 30) * 1000)
      // Bookmarks keep resourceVersion fresh on quiet kinds, so a restart rarely needs a relist.
      const query = { ...selector(kind), resourceVersion, allowWatchBookmarks: true, timeoutSeconds: seconds }
      http
        .watch(pathOf(kind), query, onEvent, controller.signal)
        .then(
          () => done(null),
          (error: unknown) => done(controller.signal.aborted && controller.signal.reason?.name === 'TimeoutError' ? controller.signal.reason : error),
        )
        .finally(() => clearTimeout(timer))
      return () => controller.abort()
    },
  }
}

/**
 * Watches through the API server: list, then watch from the list's resourceVersion, forever.
 * A closed or timed-out stream resumes where it stopped; an expired resourceVersion (410 Gone)
 * relists and reports what changed meanwhile (DELETED included); other failures back off. Errors,
 * including a throwing handler, are logged and never escape: a watch must not take the process down.
 */
export class KubeWatch implements WatchSource {
  /** Watches whose first list has not yet succeeded, with the last reason it failed. */
  private readonly unsynced = new Map<object, { kind: WatchKind; error?: string }>()
  /** Failed watch cycles (restarted after a backoff) per kind, for metrics. */
  readonly restarts: Partial<Record<WatchKind, number>> = {}
  private readonly loops = new Map<WatchKind, Set<WatchLoop<WatchKind>>>()

  constructor(
    private readonly transport: WatchTransport,
    private readonly options: KubeWatchOptions = {},
  ) {}

  /** The running watches that have not listed once yet, and why (readiness reports them). */
  notSynced(): Array<{ kind: WatchKind; error?: string }> {
    return [...this.unsynced.values()]
  }

  static fromKubeConfig = (kubeConfig: KubeConfig, options?: KubeWatchOptions) => new KubeWatch(kubeWatchTransport(new KubeHttp(kubeConfig)), options)

  watch<K extends WatchKind>(kind: K, onEvent: WatchHandler<K>): () => void {
    const token = {}
    const state: { kind: WatchKind; error?: string } = { kind }
    this.unsynced.set(token, state)
    const onFailure = (error: unknown) => {
      this.restarts[kind] = (this.restarts[kind] ?? 0) + 1
      this.options.onTrouble?.(kind, error)
    }
    const loop = new WatchLoop(
      kind,
      onEvent,
      this.transport,
      this.options,
      (error) => {
        if (error === undefined) this.unsynced.delete(token)
        else state.error = error instanceof Error ? error.message : String(error)
      },
      onFailure,
    )
    void loop.run()
    const loops = this.loops.get(kind) ?? new Set()
    this.loops.set(kind, loops.add(loop as unknown as WatchLoop<WatchKind>))
    return () => {
      this.unsynced.delete(token)
      loops.delete(loop as unknown as WatchLoop<WatchKind>)
      loop.stop()
    }
  }

  /**
   * What a running watch of that kind has seen, as an informer's cache: undefined while none has
   * listed once. Like a read from the API server's watch cache (resourceVersion=0), it may be a
   * moment old, so it may only be used where such a read may (see Freshness in store.ts).
   */
  cached<K extends WatchKind>(kind: K): WatchCache<WatchedObjects[K]> | undefined {
    for (const loop of this.loops.get(kind) ?? []) {
      if (loop.synced) return loop as unknown as WatchCache<WatchedObjects[K]>
    }
    return undefined
  }

  async list<K extends WatchKind>(kind: K): Promise<Array<WatchedObjects[K]>> {
    const log = (this.options.log ?? silentLogger).child({ kind })
    const { items } = await this.transport.list(kind).catch((e: unknown) => {
      throw new IpamError('try-again', `list ${kind}: ${e instanceof Error ? e.message : String(e)}`)
    })
    return items.flatMap((raw) => {
      try {
        return [PARSE[kind](raw) as WatchedObjects[K]]
      } catch (error) {
        log.warn('skipping an object that does not parse', { name: keyOf(raw), error })
        return []
      }
    })
  }
}

/** What a watch has seen (KubeWatch.cached): objects by key (`namespace/name`, or `name`). */
export interface WatchCache<T> {
  get(key: string): T | undefined
  values(): T[]
}

// A stream that ends this soon without a single event counts as a failure, so a server that
// accepts and drops watches at once is not hammered in a tight loop.
const MIN_HEALTHY_MS = 1000

class WatchLoop<K extends WatchKind> {
  private readonly known = new Map<string, { resourceVersion: string | undefined; object: WatchedObjects[K] }>()
  /** Set once listed: from then on `known` is a watch cache. */
  synced = false
  private resourceVersion = ''
  private stopped = false
  private abort: (() => void) | undefined
  private wake: (() => void) | undefined
  private events = 0
  private streamError: unknown
  private readonly log: Logger

  constructor(
    private readonly kind: K,
    private readonly onEvent: WatchHandler<K>,
    private readonly transport: WatchTransport,
    private readonly options: KubeWatchOptions,
    /** Called after each list: with no argument when it succeeded, else with its error. */
    private readonly onListed: (error?: unknown) => void = () => {},
    /** Called for each failed cycle (it is retried after a backoff). */
    private readonly onFailure: (error: unknown) => void = () => {},
  ) {
    this.log = (options.log ?? silentLogger).child({ kind })
  }

  /** By key: `namespace/name`, or `name` for a cluster-scoped kind. */
  get(key: string): WatchedObjects[K] | undefined {
    return this.known.get(key)?.object
  }

  values(): WatchedObjects[K][] {
    return [...this.known.values()].map((k) => k.object)
  }

  stop() {
    this.stopped = true
    this.abort?.()
    this.wake?.()
  }

  async run(): Promise<void> {
    let failures = 0
    while (!this.stopped) {
      failures = (await this.cycle()) ? 0 : failures + 1
      if (failures > 0 && !this.stopped) await this.sleep(this.backoff(failures))
    }
  }

  /** One list (when needed) and one stream. @returns whether it went well enough to go on at once */
  private async cycle(): Promise<boolean> {
    const started = Date.now()
    this.events = 0
    this.streamError = undefined
    try {
      if (this.resourceVersion === '') await this.relist()
      const error = (await this.stream()) ?? this.streamError
      if (this.stopped) return true
      // A stream that timed out is routine on a quiet kind: resume at once.
      if (error !== undefined && error !== null && (error as Error).name !== 'TimeoutError') {
        if ((error as { code?: number }).code === 410) this.resourceVersion = ''
        this.log.warn('watch failed, restarting', { error, resourceVersion: this.resourceVersion })
        this.onFailure(error)
        return false
      }
      return this.events > 0 || Date.now() - started >= MIN_HEALTHY_MS
    } catch (error) {
      this.log.warn('list failed, retrying', { error })
      this.onListed(error)
      this.onFailure(error)
      return false
    }
  }

  private stream(): Promise<unknown> {
    return new Promise((resolve) => {
      this.transport
        .open(this.kind, this.resourceVersion, (type, raw) => this.onLine(type, raw), resolve)
        .then((abort) => {
          this.abort = abort
          if (this.stopped) abort()
        }, resolve)
    })
  }

  private async relist() {
    const { items, resourceVersion } = await this.transport.list(this.kind)
    const seen = new Set<string>()
    for (const raw of items) {
      const key = keyOf(raw)
      seen.add(key)
      if (this.known.get(key)?.resourceVersion !== metaOf(raw).resourceVersion) {
        this.apply(this.known.has(key) ? 'MODIFIED' : 'ADDED', raw)
      }
    }
    for (const [key, { object }] of this.known) {
      if (seen.has(key)) continue
      this.known.delete(key)
      this.emit('DELETED', object)
    }
    this.resourceVersion = resourceVersion
    this.synced = true
    this.onListed()
  }

  private onLine(type: string, raw: unknown) {
    this.events++
    if (type === 'ERROR') {
      // A Status object: 410 means our resourceVersion expired and only a relist helps.
      const code = (raw as { code?: number } | null)?.code
      if (code === 410) this.resourceVersion = ''
      else this.streamError = new Error(`watch ERROR event: ${JSON.stringify(raw)}`)
      return
    }
    const resourceVersion = metaOf(raw).resourceVersion
    if (resourceVersion) this.resourceVersion = resourceVersion
    if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.apply(type, raw)
  }

  private apply(type: WatchEventType, raw: unknown) {
    const key = keyOf(raw)
    let object: WatchedObjects[K]
    try {
      object = PARSE[this.kind](raw) as WatchedObjects[K]
    } catch (error) {
      this.log.warn('skipping an object that does not parse', { name: key, error })
      // Its deletion still matters to whoever saw an earlier, parsable version.
      const last = type === 'DELETED' ? this.known.get(key) : undefined
      if (last === undefined) return
      object = last.object
    }
    if (type === 'DELETED') this.known.delete(key)
    else this.known.set(key, { resourceVersion: metaOf(raw).resourceVersion, object })
    this.emit(type, object)
  }

  private emit(type: WatchEventType, object: WatchedObjects[K]) {
    if (this.stopped) return
    try {
      this.onEvent(type, object)
    } catch (error) {
      this.log.error('watch handler threw', { type, error })
    }
  }

  private backoff(failures: number): number {
    const base = this.options.baseBackoffMs ?? 1000
    const max = this.options.maxBackoffMs ?? 30_000
    const random = this.options.random ?? Math.random
    return Math.min(max, base * 2 ** (failures - 1)) * (0.5 + random() / 2)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms)
      this.wake = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
    })
  }
}
