/**
 * A Validating- or MutatingWebhookConfiguration as far as the service touches it: each webhook's
 * `clientConfig.caBundle`. Everything else is kept as read, so a replace writes it back unchanged.
 */
export interface WebhookConfiguration {
  metadata: { name: string; resourceVersion?: string }
  webhooks?: Array<{ name: string; clientConfig: { caBundle?: string } & Record<string, unknown> } & Record<string, unknown>>
  [field: string]: unknown
}

/**
 * The configuration with every webhook trusting `caBundle` (base64 of the PEM CA, as the API
 * wants it), or undefined when each one does already: then there is nothing to write.
 */
export const withCaBundle = (config: WebhookConfiguration, caBundle: string): WebhookConfiguration | undefined => {
  const webhooks = config.webhooks ?? []
  if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return undefined
  return { ...config, webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })) }
}
