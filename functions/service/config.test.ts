import { describe, expect, it } from 'vitest'
import { readServiceConfig } from './config.ts'

describe('readServiceConfig: the webhook settings', () => {
  it('serves the webhooks on 127.0.0.1:5712 with a certificate of its own unless told otherwise', () => {
    expect(readServiceConfig({})).toMatchObject({
      WEBHOOK_PORT: 5712,
      WEBHOOK_HOST: '127.0.0.1',
      WEBHOOK_TLS_SECRET: 'spinneret-webhook-tls',
      WEBHOOK_SERVICE: 'spinneret-webhook',
      WEBHOOK_CERT_HOSTS: [],
      WEBHOOK_CONFIGURATION: 'spinneret',
    })
    expect(readServiceConfig({}).WEBHOOK_TLS_CERT_FILE).toBeUndefined()
  })

  it('reads the extra certificate names as a comma list, and port 0 as off', () => {
    expect(readServiceConfig({ WEBHOOK_CERT_HOSTS: ' 127.0.0.1, ::1 ,webhook.example.org,', WEBHOOK_PORT: '0' })).toMatchObject({
      WEBHOOK_CERT_HOSTS: ['127.0.0.1', '::1', 'webhook.example.org'],
      WEBHOOK_PORT: 0,
    })
  })

  it.each([
    [{ WEBHOOK_TLS_CERT_FILE: '/tls/tls.crt' }, 'invalid environment: WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE are given together or not at all'],
    [{ WEBHOOK_TLS_KEY_FILE: '/tls/tls.key' }, 'invalid environment: WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE are given together or not at all'],
    [{ WEBHOOK_PORT: 'https' }, 'invalid environment: WEBHOOK_PORT: must be a port number'],
    [{ WEBHOOK_PORT: '70000' }, /^invalid environment: WEBHOOK_PORT: /],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => readServiceConfig(env)).toThrow(message)
  })
})

describe('readServiceConfig: operations', () => {
  it('serves metrics on 5711 and elects a leader on a 15 s lease unless told otherwise', () => {
    expect(readServiceConfig({})).toMatchObject({
      METRICS_PORT: 5711,
      LEADER_LEASE_NAME: 'spinneret-leader',
      LEADER_LEASE_SECONDS: 15,
      NODE_DOWN_GRACE_SECONDS: 600,
    })
    expect(readServiceConfig({ METRICS_PORT: '0', LEADER_LEASE_SECONDS: '6', NODE_DOWN_GRACE_SECONDS: '30' })).toMatchObject({
      METRICS_PORT: 0,
      LEADER_LEASE_SECONDS: 6,
      NODE_DOWN_GRACE_SECONDS: 30,
    })
  })

  it.each([
    [{ METRICS_PORT: 'prometheus' }, 'invalid environment: METRICS_PORT: must be a port number'],
    [{ LEADER_LEASE_SECONDS: '1' }, /^invalid environment: LEADER_LEASE_SECONDS: /],
    [{ NODE_DOWN_GRACE_SECONDS: '-1' }, /^invalid environment: NODE_DOWN_GRACE_SECONDS: /],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => readServiceConfig(env)).toThrow(message)
  })
})

describe('readServiceConfig: auto pools', () => {
  it('follows applications with one spare IP each unless told otherwise, as Spiderpool does', () => {
    expect(readServiceConfig({})).toMatchObject({ AUTO_POOLS: true, AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: 1 })
    expect(readServiceConfig({ AUTO_POOLS: 'false', AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: '0' })).toMatchObject({
      AUTO_POOLS: false,
      AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: 0,
    })
  })

  it.each([
    [{ AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: '-1' }, /^invalid environment: AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: /],
    [{ AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: '1.5' }, 'invalid environment: AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: must be a whole number'],
    [{ AUTO_POOLS: 'yes' }, 'invalid environment: AUTO_POOLS: must be true or false'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => readServiceConfig(env)).toThrow(message)
  })
})
