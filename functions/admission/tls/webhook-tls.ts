import { silentLogger, type Logger } from '../../../shared/log.ts'
import type { WebhookStore } from '../../../shared/store/store.ts'
import { keepCaBundle } from './ca-bundle.ts'
import { bootstrapServingCert, certificatesFromFiles } from './serving-cert.ts'

export interface WebhookTlsOptions {
  store: WebhookStore
  /** Where the Secret lives: the service's namespace. */
  namespace: string
  secretName: string
  /** The webhook Service's name: its DNS names go into the certificate. */
  serviceName: string
  /** More names and IP addresses for the certificate (e.g. 127.0.0.1 when the API server calls by URL). */
  extraHosts: readonly string[]
  /** The Validating- and MutatingWebhookConfiguration whose caBundle is kept current. */
  configurationName: string
  /** A certificate the user brings; without it the service makes its own. */
  files?: { certFile: string; keyFile: string; caFile?: string }
  /** How often certificates and caBundle are checked again. */
  intervalMs: number
  log?: Logger
}

export interface ServedCertificate {
  cert: string
  key: string
}

/** The names a Service answers to inside the cluster, as the API server dials it. */
export const serviceHosts = (service: string, namespace: string): string[] => [
  service,
  `${service}.${namespace}`,
  `${service}.${namespace}.svc`,
  `${service}.${namespace}.svc.cluster.local`,
]

/**
 * The certificate to serve the webhooks with, kept current: brought by the user (files), or
 * bootstrapped in a Secret shared by every replica. Every `intervalMs` the Secret is checked again
 * (a renewal by any replica reaches all of them through `onRenewed`) and the webhook
 * configurations are made to trust the CA. @returns the certificate now, and stop
 */
export async function startWebhookTls(
  options: WebhookTlsOptions,
  onRenewed: (served: ServedCertificate) => void,
): Promise<ServedCertificate & { stop: () => void }> {
  const log = (options.log ?? silentLogger).child({ function: 'admission-tls' })
  const trust = (ca: string) =>
    keepCaBundle(options.store, options.configurationName, ca, log).catch((error: unknown) =>
      log.warn('could not set the caBundle of the webhook configurations, will retry', { name: options.configurationName, error }),
    )
  if (options.files) {
    const brought = certificatesFromFiles(options.files)
    // Without a CA file the bundle is the user's to set (or cert-manager's CA injector's).
    if (brought.caCert !== undefined) await trust(brought.caCert)
    const caCert = brought.caCert
    const timer = caCert === undefined ? undefined : setInterval(() => void trust(caCert), options.intervalMs)
    return { cert: brought.cert, key: brought.key, stop: () => clearInterval(timer) }
  }
  const bootstrap = () =>
    bootstrapServingCert(options.store, {
      namespace: options.namespace,
      secretName: options.secretName,
      hosts: [...serviceHosts(options.serviceName, options.namespace), ...options.extraHosts],
      log,
    })
  let current = await bootstrap()
  await trust(current.caCert)
  const timer = setInterval(async () => {
    try {
      const next = await bootstrap()
      if (next.cert !== current.cert) {
        current = next
        onRenewed({ cert: next.cert, key: next.key })
      }
    } catch (error) {
      log.warn('could not check the webhook certificate, will retry', { error })
    }
    await trust(current.caCert)
  }, options.intervalMs)
  return { cert: current.cert, key: current.key, stop: () => clearInterval(timer) }
}
