import { KubeConfig } from '@kubernetes/client-node'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { createLogger } from '../../shared/log.ts'
import { coalescedReads } from '../../shared/store/coalesced-reads.ts'
import { KubeHttp } from '../../shared/kube/kube-http.ts'
import { KubeStore } from '../../shared/kube/kube-store.ts'
import { KubeWatch, kubeWatchTransport } from '../../shared/kube/kube-watch.ts'
import { watchCachedReads } from '../../shared/kube/watch-cached-reads.ts'
import { createAdmissionApp } from '../admission/app.ts'
import { startWebhookTls, type ServedCertificate } from '../admission/tls/webhook-tls.ts'
import { startDispatcher, startLeakDuty, type Dispatcher } from '../dispatcher/index.ts'
import { createElection } from '../leader/elect.ts'
import type { Deps } from '../lib/deps.ts'
import { createEventRecorder } from '../lib/event-recorder.ts'
import { PoolWriter } from '../lib/pool-writer.ts'
import type { ServiceConfig } from './config.ts'
import { createIpamApp, createMetricsApp, createOpsApp } from './create-service.ts'
import { createLiveness } from './liveness.ts'
import { createMetrics } from './metrics.ts'
import { createPoolCounts } from './pool-counts.ts'
import { createReadiness } from './readiness.ts'

/**
 * Everything both runtimes serve, built from the configuration: the IPAM API, health, metrics,
 * the admission webhooks and their certificate, and the duties: this node's (every replica) and
 * the cluster's (the replica that holds the leader Lease). Listening is the entry point's job.
 */
export function wireService(config: ServiceConfig) {
  const log = createLogger({ level: config.LOG_LEVEL })
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromDefault()
  // One HTTP client (one connection pool) for the functions' reads and writes and the watches.
  const http = new KubeHttp(kubeConfig)
  const kube = new KubeStore(http, { serviceNamespace: config.SERVICE_NAMESPACE })
  const nodeName = config.NODE_NAME
  let leaderDispatcher: Dispatcher | undefined
  const poolCounts = createPoolCounts()
  const metrics = createMetrics({
    api: () => kube.metrics,
    poolWriter: () => poolWriter.metrics,
    claims: () => poolWriter.claims.metrics,
    ready: () => readiness.current().ready,
    leader: () => election.isLeader(),
    workQueue: () => leaderDispatcher?.queueStats(),
    watchRestarts: () => ({ ...clusterWatch.restarts, ...cacheWatch.restarts, ...nodeWatch.restarts }),
    pools: () => (election.isLeader() ? poolCounts.counts() : undefined),
  })
  const poolWriter = new PoolWriter(kube, { groupCommit: config.GROUP_COMMIT, onBatch: (batch) => metrics.poolRound(batch) })
  const events = createEventRecorder({
    store: kube,
    ...(nodeName ? { host: nodeName } : {}),
    log,
    onRecorded: (reason, outcome) => metrics.event(reason, outcome),
  })
  const autoPools = config.AUTO_POOLS ? { defaultFlexible: config.AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER } : undefined
  const lease = { namespace: config.SERVICE_NAMESPACE, name: config.LEADER_LEASE_NAME }

  // Two sets of watches: this node's pods (readiness waits for them), and the cluster-wide ones
  // of the leader plus the leader Lease (they say nothing about serving this node's IPAM).
  const nodeWatch = new KubeWatch(kubeWatchTransport(http, nodeName ? { podsOnNode: nodeName } : {}), { log, onTrouble: () => readiness.checkNow() })
  // A node's service answers the reads that only choose (its pods, its node, namespaces, reserved
  // IPs) from its watches, as an agent's informers would; pools are not watched here (every pool
  // write would go to every node): they are read from the API server's watch cache. The caches'
  // own watches (node, namespaces, reserved IPs) do not gate readiness: without them reads go to
  // the API server, as before.
  const cacheWatch = new KubeWatch(kubeWatchTransport(http, nodeName ? { podsOnNode: nodeName } : {}), { log })
  const store = watchCachedReads(coalescedReads(kube), { cached: (kind) => nodeWatch.cached(kind) ?? cacheWatch.cached(kind) })
  const deps: Deps = {
    store,
    poolWriter,
    config: { systemNamespace: config.SYSTEM_NAMESPACE, ...(nodeName ? { nodeName } : {}), autoPools: autoPools ?? false },
  }
  // Any watch that breaks makes readiness look at the API server at once.
  const clusterWatch = new KubeWatch(kubeWatchTransport(http, { lease }), { log, onTrouble: () => readiness.checkNow() })
  kube.onUnreachable = () => readiness.checkNow()
  let nodeDutiesStarted = !nodeName
  const readiness = createReadiness({
    log: log.child({ function: 'readiness' }),
    checks: [
      () => kube.apiProblems(),
      () =>
        nodeDutiesStarted
          ? nodeWatch.notSynced().map(({ kind, error }) => (error ? `the ${kind} watch cannot list: ${error}` : `the ${kind} watch has not listed yet`))
          : ["the watch of this node's pods has not started yet"],
    ],
  })
  const liveness = createLiveness()
  const resyncMs = config.RESYNC_SECONDS * 1000

  // The cluster-wide duties, while this replica leads: the pool and subnet reconciles, claims
  // pruning, and the cluster-wide leak scan (records without endpoint, replaced pods, pods on
  // nodes down or deleted, endpoints of gone pods). Terms never overlap within a process.
  let term: Promise<() => Promise<void>> = Promise.resolve(async () => {})
  const startLeading = () => {
    metrics.leaderChanged()
    term = term.then(async (previous) => {
      await previous()
      poolCounts.clear()
      const dispatcher = await startDispatcher({
        store: kube,
        source: poolCounts.observing(clusterWatch),
        poolWriter,
        log,
        resyncIntervalMs: resyncMs,
        // Auto pools follow their applications from the leader: one replica watches the workload
        // kinds and tells a refusal once.
        ...(autoPools ? { autoPools, events } : {}),
      })
      leaderDispatcher = dispatcher
      const stopLeaks = startLeakDuty({
        store: kube,
        source: clusterWatch,
        poolWriter,
        log,
        intervalMs: resyncMs,
        nodeDownGraceSeconds: config.NODE_DOWN_GRACE_SECONDS,
        scanAtStart: true,
        onScan: (outcome) => metrics.leakScan('cluster', outcome),
        onReleased: (pool, leaks) =>
          events.record(
            { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderIPPool', name: pool },
            {
              type: 'Normal',
              reason: 'LeakedIPsReleased',
              message: `released ${leaks.length} leaked IP(s): ${leaks.map((l) => `${l.ip} (${l.reason})`).join('; ')}`,
            },
          ),
      })
      return async () => {
        leaderDispatcher = undefined
        await stopLeaks()
        await dispatcher.stop()
      }
    })
  }
  const stopLeading = () => {
    metrics.leaderChanged()
    term = term.then(async (current) => {
      await current()
      return async () => {}
    })
  }
  const election = createElection({
    store: kube,
    source: clusterWatch,
    ...lease,
    identity: `${config.POD_NAME ?? nodeName ?? hostname()}_${randomBytes(4).toString('hex')}`,
    leaseSeconds: config.LEADER_LEASE_SECONDS,
    onStartedLeading: startLeading,
    onStoppedLeading: stopLeading,
    log,
  })

  return {
    log,
    readiness,
    liveness,
    metrics,
    ipam: createIpamApp(deps, readiness, { log: log.child({ function: 'ipam' }), metrics, events }),
    ops: createOpsApp(readiness, liveness),
    metricsApp: createMetricsApp(metrics),
    /** Judged on reads of the latest state (not coalesced): see handlers.ts. */
    admission: createAdmissionApp({ store: kube, log, self: selfUser(kube, log) }),
    /** The certificate to serve the webhooks with; `onRenewed` gets a renewed one. */
    startWebhookTls: (onRenewed: (served: ServedCertificate) => void) =>
      startWebhookTls(
        {
          store: kube,
          namespace: config.SERVICE_NAMESPACE,
          secretName: config.WEBHOOK_TLS_SECRET,
          serviceName: config.WEBHOOK_SERVICE,
          extraHosts: config.WEBHOOK_CERT_HOSTS,
          configurationName: config.WEBHOOK_CONFIGURATION,
          ...(config.WEBHOOK_TLS_CERT_FILE && config.WEBHOOK_TLS_KEY_FILE
            ? {
                files: {
                  certFile: config.WEBHOOK_TLS_CERT_FILE,
                  keyFile: config.WEBHOOK_TLS_KEY_FILE,
                  ...(config.WEBHOOK_TLS_CA_FILE ? { caFile: config.WEBHOOK_TLS_CA_FILE } : {}),
                },
              }
            : {}),
          intervalMs: resyncMs,
          log,
        },
        onRenewed,
      ),
    /**
     * This node's duties (its pods' watch and leak scan) and the candidacy for the cluster's.
     * @returns stop: the leader gives its Lease up, so that another replica takes over at once
     */
    startDuties: () => {
      const noop = () => {}
      const stopCaches = nodeName ? [cacheWatch.watch('Node', noop), cacheWatch.watch('Namespace', noop), cacheWatch.watch('SpiderReservedIP', noop)] : []
      const stopNode = nodeName
        ? startLeakDuty({
            store: kube,
            source: nodeWatch,
            poolWriter,
            log,
            nodeName,
            intervalMs: resyncMs,
            onScan: (outcome) => metrics.leakScan('node', outcome),
          })
        : async () => {}
      nodeDutiesStarted = true
      readiness.checkNow() // tell now, not at the next round
      election.start()
      return async () => {
        await election.stop()
        stopCaches.forEach((stop) => stop())
        await Promise.all([stopNode(), term.then((stop) => stop()), events.flushed()])
      }
    },
  }
}

/**
 * The user the service runs as, asked once (and again after a failure): the webhooks let only it
 * reshape auto pools. Unknown, every request is judged as a user's.
 */
function selfUser(kube: KubeStore, log: ReturnType<typeof createLogger>): () => Promise<string | undefined> {
  let asked: Promise<string | undefined> | undefined
  return () =>
    (asked ??= kube.whoAmI().catch((error: unknown) => {
      log.warn('cannot tell which user the service runs as: auto pools are judged as a user would change them', { error })
      asked = undefined
      return undefined
    }))
}
