// The transport under the store, against the real API server: what it costs in connections.
import diagnostics from 'node:diagnostics_channel'
import { afterAll, expect, it } from 'vitest'
import { KubeHttp } from '../shared/kube/kube-http.ts'
import { createNamespace, kubeConfig, unique } from './support/cluster.ts'
import * as k8s from '@kubernetes/client-node'

const kc = kubeConfig()
const ns = unique('kube-http')

afterAll(async () => {
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespace({ name: ns })
    .catch(() => {})
})

it('keeps its connection across DELETEs with preconditions (a body), as across other requests', async () => {
  await createNamespace(kc, ns)
  const http = new KubeHttp(kc)
  let connects = 0
  const counted = () => connects++
  diagnostics.subscribe('undici:client:connected', counted)
  try {
    const path = `/api/v1/namespaces/${ns}/configmaps`
    for (let i = 0; i < 5; i++) {
      const made = await http.json<{ metadata: { uid: string; resourceVersion: string } }>('POST', path, { body: { metadata: { name: `c-${i}` } } })
      const preconditions = { uid: made.metadata.uid, resourceVersion: made.metadata.resourceVersion }
      await http.json('DELETE', `${path}/c-${i}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions } })
    }
    // The preconditions were sent and judged: a stale one is refused.
    const made = await http.json<{ metadata: { uid: string } }>('POST', path, { body: { metadata: { name: 'stale' } } })
    const stale = http.json('DELETE', `${path}/stale`, {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: made.metadata.uid, resourceVersion: '1' } },
    })
    await expect(stale).rejects.toMatchObject({ code: 409 })
  } finally {
    diagnostics.unsubscribe('undici:client:connected', counted)
  }
  // Without keeping it, every DELETE with a body closes the connection: 7 connections here.
  // With it, the connection count does not grow with the DELETEs (a second one may open while
  // the first answer's body is still being read).
  expect(connects).toBeLessThanOrEqual(2)
})
