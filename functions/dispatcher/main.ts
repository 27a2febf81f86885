/**
 * Process entry of the dispatcher: `tsx functions/dispatcher/main.ts`. Configuration from the
 * environment: KUBECONFIG (else in-cluster), SPINNERET_RESYNC_SECONDS (default 600),
 * SPINNERET_LOG_LEVEL (default info).
 */
import { KubeConfig } from '@kubernetes/client-node'
import { createLogger, type LogLevel } from '../../shared/log.ts'
import { KubeStore } from '../../shared/store/kube-store.ts'
import { KubeWatch } from '../../shared/store/kube-watch.ts'
import { startDispatcher } from './index.ts'

const env = globalThis.process?.env ?? {}
const log = createLogger({ level: (env['SPINNERET_LOG_LEVEL'] as LogLevel | undefined) ?? 'info' })
const kubeConfig = new KubeConfig()
kubeConfig.loadFromDefault()

const dispatcher = await startDispatcher({
  store: new KubeStore(kubeConfig),
  source: KubeWatch.fromKubeConfig(kubeConfig, { log }),
  log,
  resyncIntervalMs: Number(env['SPINNERET_RESYNC_SECONDS'] ?? 600) * 1000,
})
log.info('dispatcher started')

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  globalThis.process?.once(signal, () => {
    log.info('dispatcher stopping', { signal })
    void dispatcher.stop().then(() => globalThis.process?.exit(0))
  })
}
