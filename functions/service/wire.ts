import { KubeConfig } from '@kubernetes/client-node'
import { createLogger, type LogLevel } from '../../shared/log.ts'
import { coalescedReads } from '../../shared/store/coalesced-reads.ts'
import { KubeHttp } from '../../shared/store/kube-http.ts'
import { KubeStore } from '../../shared/store/kube-store.ts'
import { KubeWatch, kubeWatchTransport } from '../../shared/store/kube-watch.ts'
import { createAdmissionApp } from '../admission/app.ts'
import { startWebhookTls, type ServedCertificate } from '../admission/tls/webhook-tls.ts'
import { startDispatcher } from '../dispatcher/index.ts'
import type { Deps } from '../lib/deps.ts'
import { PoolWriter } from '../lib/pool-writer.ts'
import type { ServiceConfig } from './config.ts'
import { createIpamApp, createOpsApp } from './create-service.ts'
import { createReadiness } from './readiness.ts'

/**
 * Everything both runtimes serve, built from the configuration: the IPAM API, health and metrics,
 * the admission webhooks and their certificate, and the dispatcher that runs the reconcile
 * functions. Listening is the entry point's job.
 */
export function wireService(config: ServiceConfig) {
  const log = createLogger({ level: config.LOG_LEVEL as LogLevel })
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromDefault()
  // One HTTP client (one connection pool) for the functions' reads and writes and the watches.
  const http = new KubeHttp(kubeConfig)
  const kube = new KubeStore(http, { serviceNamespace: config.SERVICE_NAMESPACE })
  const store = coalescedReads(kube)
  const poolWriter = new PoolWriter(kube, { groupCommit: config.GROUP_COMMIT })
  const autoPools = config.AUTO_POOLS ? { defaultFlexible: config.AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER } : undefined
  const deps: Deps = {
    store,
    poolWriter,
    config: { systemNamespace: config.SYSTEM_NAMESPACE, ...(config.NODE_NAME ? { nodeName: config.NODE_NAME } : {}), autoPools: autoPools ?? false },
  }
  // With NODE_NAME (one service per node) it watches that node's pods, as its kubelet does, and
  // scans that node's records for leaks soon after a pod goes and each resync interval; without
  // it, the periodic scan covers the whole cluster.
  const watch = new KubeWatch(kubeWatchTransport(http, config.NODE_NAME ? { podsOnNode: config.NODE_NAME } : {}), { log })
  let dispatching = false
  const readiness = createReadiness({
    log: log.with({ function: 'readiness' }),
    checks: [
      () => kube.apiProblems(),
      () =>
        dispatching
          ? watch.notSynced().map(({ kind, error }) => (error ? `the ${kind} watch cannot list: ${error}` : `the ${kind} watch has not listed yet`))
          : ['the watches have not started yet'],
    ],
  })
  return {
    log,
    readiness,
    ipam: createIpamApp(deps, readiness),
    ops: createOpsApp({ api: kube.metrics, pool_writer: poolWriter.metrics, ip_claims: poolWriter.claims.metrics }, readiness),
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
            ? { files: { certFile: config.WEBHOOK_TLS_CERT_FILE, keyFile: config.WEBHOOK_TLS_KEY_FILE, ...(config.WEBHOOK_TLS_CA_FILE ? { caFile: config.WEBHOOK_TLS_CA_FILE } : {}) } }
            : {}),
          intervalMs: config.RESYNC_SECONDS * 1000,
          log,
        },
        onRenewed,
      ),
    startDispatcher: async () => {
      const dispatcher = await startDispatcher({
        store: kube,
        source: watch,
        poolWriter,
        ...(config.NODE_NAME ? { nodeName: config.NODE_NAME } : {}),
        log,
        resyncIntervalMs: config.RESYNC_SECONDS * 1000,
        ...(autoPools ? { autoPools } : {}),
      })
      dispatching = true
      void readiness.start() // tell now, not at the next round
      return dispatcher
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
