// The same service code served by Deno answers the same API (the design runs on Node and Deno).
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as k8s from '@kubernetes/client-node'
import { applyManifests, cleanUp, createNode, createPod, createPool, kubeConfig, readPool, terminatePod, unique } from './support/cluster.ts'
import { ipamCall, startService, type RunningService } from './support/service.ts'
import { startWebhooks } from './support/webhooks.ts'

const kc = kubeConfig()
const zone = unique('deno')
const pool = `${zone}-pool`
let deno: RunningService

beforeAll(async () => {
  if (!existsSync('node_modules/.bin/deno')) {
    throw new Error('deno is missing: run `npm ci` (the npm package `deno` is a devDependency)')
  }
  await applyManifests(kc, 'manifests/crds')
  deno = await startService({}, 'deno')
}, 120_000)

afterAll(async () => {
  await deno?.stop()
  // Its pool must go: a later pool of the same addresses would find this one's claim standing.
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespacedPod({ namespace: 'default', name: `${zone}-pod`, gracePeriodSeconds: 0 })
    .catch(() => undefined)
  await cleanUp(kc, { pools: [pool], nodes: [`${zone}-node`] })
})

describe('service on Deno', () => {
  it('allocates and releases through the unix socket like the Node service', async () => {
    await createNode(kc, `${zone}-node`, { zone })
    await createPool(kc, pool, {
      subnet: '198.18.200.0/24',
      ips: ['198.18.200.10-198.18.200.19'],
      gateway: '198.18.200.1',
      nodeAffinity: { matchLabels: { zone } },
    })
    const pod = await createPod(kc, {
      name: `${zone}-pod`,
      nodeName: `${zone}-node`,
      annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) },
    })
    const body = { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: pod.metadata?.name, podUID: pod.metadata?.uid }

    expect((await ipamCall(deno.socket, 'GET', '/v1/ipam/healthy')).status).toBe(200)
    const added = await ipamCall(deno.socket, 'POST', '/v1/ipam/ip', body)
    expect(added.status, deno.output()).toBe(200)
    expect(added.body).toEqual({
      ips: [{ version: 4, address: '198.18.200.10/24', nic: 'eth0', ipPool: pool, gateway: '198.18.200.1' }],
      routes: [{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '198.18.200.1' }],
    })
    expect((await readPool(kc, pool)).status.allocatedIPCount).toBe(1)
    await terminatePod(kc, 'default', pod.metadata?.name ?? '')
    expect((await ipamCall(deno.socket, 'DELETE', '/v1/ipam/ip', body)).status).toBe(200)
    expect((await readPool(kc, pool)).status.allocatedIPCount).toBe(0)

    // Spiderpool's plugin: an empty Host header, answers in the shape of Spiderpool's agent API.
    expect((await ipamCall(deno.socket, 'GET', '/v1/ipam/healthy', undefined, { as: 'spiderpool' })).status).toBe(200)
    const refused = await ipamCall(deno.socket, 'POST', '/v1/ipam/ip', { ...body, defaultIPv4IPPool: null }, { as: 'spiderpool' })
    expect([refused.status, refused.body]).toEqual([500, `pod default/${pod.metadata?.name} is terminating`])

    const bad = await ipamCall(deno.socket, 'POST', '/v1/ipam/ip', { nonsense: true })
    expect(bad.status).toBe(400)
    expect(bad.body.code).toBe('invalid-request')
  })

  it('serves the admission webhooks over TLS with the certificate it made itself', async () => {
    // startWebhooks returns once the API server, trusting the caBundle the service set, had the
    // webhooks refuse a pool through them.
    const webhooks = await startWebhooks(kc, unique('deno-webhooks'), { RESYNC_SECONDS: '3600' }, 'deno')
    try {
      expect(webhooks.service.output()).toMatch(/"msg":"admission webhooks listening".*"runtime":"deno"/)
      // The service logs the refusal as it answers; its stderr may reach us after the API server's answer.
      await vi.waitFor(() => expect(webhooks.service.output()).toMatch(/"msg":"admission refused"/), { timeout: 5000, interval: 100 })
    } finally {
      await webhooks.remove()
    }
  })
})
