import { describe, expect, it } from 'vitest'
import { withCaBundle } from './ca-bundle.ts'

describe('withCaBundle', () => {
  const config = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'spinneret', resourceVersion: '7' },
    webhooks: [
      { name: 'a', clientConfig: { url: 'https://127.0.0.1:1/validate/spiderippool', caBundle: 'old' }, sideEffects: 'None' },
      { name: 'b', clientConfig: { service: { name: 's', namespace: 'n', path: '/validate/spidersubnet' } } },
    ],
  }

  it('sets the bundle on every webhook and keeps everything else', () => {
    const next = withCaBundle(config, 'new')
    expect(next?.webhooks?.map((w) => w.clientConfig)).toEqual([
      { url: 'https://127.0.0.1:1/validate/spiderippool', caBundle: 'new' },
      { service: { name: 's', namespace: 'n', path: '/validate/spidersubnet' }, caBundle: 'new' },
    ])
    expect(next?.metadata).toEqual(config.metadata)
    expect(next?.webhooks?.[0]?.sideEffects).toBe('None')
  })

  it('has nothing to write when every webhook trusts the bundle already', () => {
    expect(withCaBundle(withCaBundle(config, 'new')!, 'new')).toBeUndefined()
  })
})
