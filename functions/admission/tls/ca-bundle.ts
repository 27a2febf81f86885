import { withCaBundle } from '../../../shared/admission/index.ts'
import { toBase64 } from '../../../shared/base64.ts'
import { silentLogger, type Logger } from '../../../shared/log.ts'
import { retryOnConflict } from '../../../shared/store/retry-on-conflict.ts'
import type { WebhookConfigurationKind, WebhookStore } from '../../../shared/store/store.ts'

const KINDS: readonly WebhookConfigurationKind[] = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']

/**
 * Makes every webhook of the Validating- and MutatingWebhookConfiguration named `name` trust `ca`
 * (PEM): read, set `caBundle`, replace conditional on the resourceVersion read (a 409 reads
 * again). A configuration that is not installed is left for later.
 * @returns the kinds it changed
 */
export async function keepCaBundle(store: WebhookStore, name: string, ca: string, log: Logger = silentLogger): Promise<WebhookConfigurationKind[]> {
  const caBundle = toBase64(ca)
  const changed: WebhookConfigurationKind[] = []
  for (const kind of KINDS) {
    await retryOnConflict(`set the caBundle of ${kind} ${name}`, async () => {
      const config = await store.getWebhookConfiguration(kind, name)
      const next = config && withCaBundle(config, caBundle)
      if (!next) return
      await store.replaceWebhookConfiguration(kind, next)
      changed.push(kind)
      log.info('webhook caBundle updated', { kind, name })
    })
  }
  return changed
}

/**
 * keepCaBundle now and every `intervalMs`: someone re-creating a configuration from its manifest
 * drops the bundle, and the webhooks would fail until it is back. @returns stop
 */
export function startCaBundleKeeper(store: WebhookStore, options: { name: string; ca: string; intervalMs: number; log?: Logger }): () => void {
  const log = (options.log ?? silentLogger).child({ function: 'admission-tls' })
  const run = () =>
    keepCaBundle(store, options.name, options.ca, log).catch((error: unknown) =>
      log.warn('could not keep the webhook caBundle current, will retry', { name: options.name, error }),
    )
  void run()
  const timer = setInterval(run, options.intervalMs)
  return () => clearInterval(timer)
}
