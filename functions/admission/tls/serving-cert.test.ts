import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { fromBase64 } from '../../../shared/base64.ts'
import { MemoryStore } from '../../../shared/store/memory-store.ts'
import { keepCaBundle } from './ca-bundle.ts'
import { issueCa, issueServingCert, needsRenewal, RENEW_BEFORE_MS } from './certificates.ts'
import { bootstrapServingCert } from './serving-cert.ts'

const hosts = ['spinneret-webhook.spinneret-system.svc', '127.0.0.1', '::1']
const options = { namespace: 'spinneret-system', secretName: 'spinneret-webhook-tls', hosts }

/** The certificate chain a TLS client sees when it trusts only `ca` and dials 127.0.0.1. */
const handshake = async (served: { cert: string; key: string }, ca: string): Promise<string> => {
  const server = createServer({ cert: served.cert, key: served.key }, (_, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca }, () => {
        resolve(socket.authorized ? 'authorized' : String(socket.authorizationError))
        socket.end()
      })
      socket.on('error', reject)
    })
  } finally {
    server.close()
  }
}

describe('bootstrapServingCert', () => {
  it('creates one Secret, reuses it afterwards, and its certificate passes TLS verification against its CA', async () => {
    const store = new MemoryStore()
    const first = await bootstrapServingCert(store, options)
    const secret = await store.getSecret('spinneret-system', 'spinneret-webhook-tls')
    expect(secret?.type).toBe('kubernetes.io/tls')
    expect(Object.keys(secret!.data).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])
    expect(await bootstrapServingCert(store, options)).toEqual(first)
    expect(secret?.resourceVersion).toBe((await store.getSecret('spinneret-system', 'spinneret-webhook-tls'))?.resourceVersion)
    expect(await handshake(first, first.caCert)).toBe('authorized')
    const stranger = await issueCa()
    await expect(handshake(first, stranger.caCert)).rejects.toThrow(/signature|self.signed|unable to (verify|get)/i)
  })

  it('gives replicas that start together one CA: the losing create reads the winner', async () => {
    const store = new MemoryStore()
    const replicas = await Promise.all(Array.from({ length: 4 }, () => bootstrapServingCert(store, { ...options })))
    expect(new Set(replicas.map((r) => r.caCert)).size).toBe(1)
    expect(new Set(replicas.map((r) => r.cert)).size).toBe(1)
  })

  it('renews a certificate that misses a host, keeping the CA', async () => {
    const store = new MemoryStore()
    const before = await bootstrapServingCert(store, options)
    const after = await bootstrapServingCert(store, { ...options, hosts: [...hosts, 'webhook.example.org'] })
    expect(after.caCert).toBe(before.caCert)
    expect(after.cert).not.toBe(before.cert)
    expect(await needsRenewal(after, [...hosts, 'webhook.example.org'])).toBeUndefined()
  })

  it('makes a new CA when the stored one is about to expire', async () => {
    const store = new MemoryStore()
    const before = await bootstrapServingCert(store, options)
    const later = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000 - RENEW_BEFORE_MS / 2)
    const after = await bootstrapServingCert(store, { ...options, now: () => later })
    expect(after.caCert).not.toBe(before.caCert)
    expect(await needsRenewal(after, hosts, later)).toBeUndefined()
  })

  it.each([
    [
      'a missing host',
      async () => issueServingCert(await issueCa(), ['127.0.0.1']),
      'the certificate does not name spinneret-webhook.spinneret-system.svc, ::1',
    ],
    [
      'a certificate of another CA',
      async () => ({ ...(await issueServingCert(await issueCa(), hosts)), ...(await issueCa()) }),
      'the certificate was not signed by the stored CA',
    ],
    ['garbage', async () => ({ ...(await issueServingCert(await issueCa(), hosts)), cert: 'not a certificate' }), /^the stored certificates do not parse/],
  ])('needsRenewal names %s', async (_, make, reason) => {
    expect(await needsRenewal(await make(), hosts)).toMatch(reason)
  })
})

describe('keepCaBundle', () => {
  it('sets the bundle on both configurations once, conditionally, and leaves missing ones alone', async () => {
    const store = new MemoryStore()
    const webhook = (path: string) => ({ name: `x.${path}`, clientConfig: { url: `https://127.0.0.1:5712/${path}` }, sideEffects: 'None' })
    store.webhookConfigurations.set('ValidatingWebhookConfiguration/spinneret', {
      metadata: { name: 'spinneret', resourceVersion: '1' },
      webhooks: [webhook('validate/spiderippool'), webhook('validate/spidersubnet')],
    })
    const { caCert } = await issueCa()
    expect(await keepCaBundle(store, 'spinneret', caCert)).toEqual(['ValidatingWebhookConfiguration'])
    const config = await store.getWebhookConfiguration('ValidatingWebhookConfiguration', 'spinneret')
    expect(config?.webhooks?.map((w) => fromBase64(w.clientConfig.caBundle ?? ''))).toEqual([caCert, caCert])
    expect(await keepCaBundle(store, 'spinneret', caCert)).toEqual([])
  })
})
