// The node-local IPAM API as Spiderpool's own plugin sees it: its Go client (generated from
// Spiderpool's OpenAPI spec, api/v1/agent/openapi.yaml) sends `null` for absent lists and decodes
// only 200 and "500 with a JSON string". test/spiderpool-plugin.test.ts runs the real plugin.
import { describe, expect, it } from 'vitest'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'
import { addRequest, depsFor, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { createIpamApp } from './create-service.ts'
import { bodyOf } from '../lib/response-body.testkit.ts'

// What Spiderpool v1.2.2's plugin sends (captured from the binary): Accept and Content-Type
// application/json, Go's user agent, and every IpamAddArgs field, nil slices as null.
const goClient = { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'Go-http-client/1.1' }
const spiderpoolAdd = (p: ReturnType<typeof pod>) => ({
  ...addRequest(p),
  defaultIPv4IPPool: null,
  defaultIPv6IPPool: null,
})

const call = (app: ReturnType<typeof createIpamApp>, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  app.request(path, { method, headers: { ...goClient, ...extra }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })

describe("Spiderpool's agent API, as its plugin calls it", () => {
  it('answers health and an ADD whose absent lists are null', async () => {
    const store = seedStore()
    const app = createIpamApp(depsFor(store))
    const a = pod('a', 'controller-node-1')
    store.putPod(a)
    expect((await call(app, 'GET', '/v1/ipam/healthy')).status).toBe(200)
    const added = await call(app, 'POST', '/v1/ipam/ip', spiderpoolAdd(a))
    expect(added.status).toBe(200)
    expect(await bodyOf(added)).toEqual({
      ips: [{ version: 4, address: '10.6.168.61/16', nic: 'eth0', ipPool: 'test-ippool-6', gateway: '10.6.0.1' }],
      routes: [{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '10.6.0.1' }],
    })
    // DEL without netNamespace: Go's omitempty drops the empty string.
    const { netNamespace: _, ...del } = addRequest(a)
    expect((await call(app, 'DELETE', '/v1/ipam/ip', del)).status).toBe(200)
  })

  it('answers every refusal as 500 with the message as a JSON string, and writes nothing', async () => {
    const store = seedStore()
    const app = createIpamApp(depsFor(store))
    const ghost = pod('ghost', 'controller-node-1')
    const full = pod('b', 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippool': '{"ipv4": ["nope-*"]}' } })
    store.putPod(full)
    const cases = [
      { body: spiderpoolAdd(ghost), text: /pod default\/ghost not found/ },
      { body: spiderpoolAdd(full), text: /no IPPool available/ },
      { body: { containerID: 'c' }, text: /invalid request body: ifName/ },
      { body: { ...spiderpoolAdd(full), matchMasterSubnet: true }, text: /match_master_subnet is not supported/ },
    ]
    for (const { body, text } of cases) {
      const answer = await call(app, 'POST', '/v1/ipam/ip', body)
      expect(answer.status).toBe(500)
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
      const payload: unknown = await answer.json()
      expect(typeof payload).toBe('string')
      expect(payload).toMatch(text)
    }
    const garbage = await app.request('/v1/ipam/ip', { method: 'POST', headers: goClient, body: '{nope' })
    expect([garbage.status, await garbage.json()]).toEqual([500, 'request body is not valid JSON'])
    const badDel = await call(app, 'DELETE', '/v1/ipam/ip', { ifName: 'eth0' })
    expect([badDel.status, typeof (await bodyOf(badDel))]).toEqual([500, 'string'])
    expect(store.writes).toBe(0)
  })

  it('answers the health check 500 while not ready, as an unhealthy Spiderpool agent does', async () => {
    const app = createIpamApp(depsFor(seedStore()), { current: () => ({ ready: false, problems: ['the CRDs are not installed'] }) })
    const health = await call(app, 'GET', '/v1/ipam/healthy')
    expect([health.status, await health.json()]).toEqual([500, 'IPAM service not ready: the CRDs are not installed'])
    const structured = await call(app, 'GET', '/v1/ipam/healthy', undefined, { [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS })
    expect([structured.status, (await bodyOf(structured)).code]).toEqual([503, 'try-again'])
  })

  it("keeps Spinneret's structured errors for its own plugin and its own routes", async () => {
    const store = seedStore()
    const app = createIpamApp(depsFor(store))
    const ghost = pod('ghost', 'controller-node-1')
    const structured = await call(app, 'POST', '/v1/ipam/ip', spiderpoolAdd(ghost), { [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS })
    expect(structured.status).toBe(404)
    expect(await bodyOf(structured)).toMatchObject({ code: 'not-found', message: 'pod default/ghost not found' })
    // CHECK and GC exist only in Spinneret's API: no Spiderpool client to answer in its shape.
    const check = await call(app, 'GET', '/v1/ipam/ip?podNamespace=default&podName=ghost&podUID=u&ifName=eth0')
    expect(check.status).toBe(404)
    expect(await bodyOf(check)).toMatchObject({ code: 'not-found' })
  })
})
