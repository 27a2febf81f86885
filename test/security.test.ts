// What the running service lets a caller without credentials do or learn. The IPAM API (which
// allocates and releases for any pod) is a unix socket only root can open; the health and the
// metrics ports are loopback-only and tell "ok", the not-ready reasons and metric families, never
// a pod's name, an address or a credential, not even when the service cannot reach the API
// server. README "Security" lists the same.
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyManifests, kubeConfig } from './support/cluster.ts'
import { ipamCall, startService, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const services: RunningService[] = []
const dir = mkdtempSync(join(tmpdir(), 'spinneret-security-'))
let service: RunningService
let healthPort: number
let metricsPort: number

/** A port the service logged it listens on (tests bind port 0): `health` or `metrics`. */
const portOf = (s: RunningService, what: 'health' | 'metrics'): number => {
  const line = s
    .output()
    .split('\n')
    .find((l) => l.includes(`"${what} listening"`))
  const found = line && (JSON.parse(line) as { port?: number }).port
  if (!found) throw new Error(`the service did not say where ${what} listens:\n${s.output()}`)
  return found
}

// What /metrics may name: Spiderpool's metric families, ours, and the standard process ones.
const METRIC_FAMILY = /^(spiderpool|spinneret|process|nodejs)_[a-z0-9_]+$/

const get = (p: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p, path, method }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })

/** Listening TCP sockets of this machine on `p`, as "address:port" in /proc's hex notation. */
const listeners = (p: number): string[] =>
  ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && parseInt(cols[1]?.split(':')[1] ?? '', 16) === p)
      .map((cols) => cols[1] as string),
  )

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  service = await startService({ RESYNC_SECONDS: '3600' })
  services.push(service)
  healthPort = portOf(service, 'health')
  metricsPort = portOf(service, 'metrics')
}, 120_000)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  rmSync(dir, { recursive: true, force: true })
})

describe('the IPAM socket', () => {
  it('is a socket of mode 0600 owned by root, the user the DaemonSet runs the service as', () => {
    const daemonset = k8s.loadYaml<k8s.V1DaemonSet>(readFileSync('manifests/deploy/daemonset.yaml', 'utf8'))
    const container = daemonset.spec?.template.spec?.containers.find((c) => c.name === 'spinneret')
    expect(container?.securityContext?.runAsUser).toBe(0)
    const socket = statSync(service.socket)
    expect(socket.isSocket()).toBe(true)
    expect((socket.mode & 0o777).toString(8)).toBe('600')
    // The tests run as root (npm test installs the network tests' packages as root), as the
    // DaemonSet's service does: the socket is root's, and no other user may connect.
    expect(socket.uid, 'run the tests as root: the service must create its socket as root').toBe(0)
  })

  it('is 0600 on Deno too', async () => {
    const deno = await startService({ RESYNC_SECONDS: '3600' }, 'deno', { until: 'listening' })
    services.push(deno)
    expect((statSync(deno.socket).mode & 0o777).toString(8)).toBe('600')
  })
})

describe('the health and metrics ports, to a caller without credentials', () => {
  const loopbackOnly = (p: number) => [`0100007F:${p.toString(16).toUpperCase().padStart(4, '0')}`]

  it('listen on loopback only', () => {
    // 0100007F is 127.0.0.1 as /proc/net/tcp writes it.
    expect(listeners(healthPort)).toEqual(loopbackOnly(healthPort))
    expect(listeners(metricsPort)).toEqual(loopbackOnly(metricsPort))
  })

  it('answer /healthz and /readyz with "ok" and nothing else', async () => {
    expect(await get(healthPort, '/healthz')).toEqual({ status: 200, body: 'ok' })
    expect(await get(healthPort, '/readyz')).toEqual({ status: 200, body: 'ok' })
  })

  it("answer /metrics with metric families only: Spiderpool's, ours and the process's, no address, no name of a pod", async () => {
    // Some traffic first, so that counters are not all zero.
    await ipamCall(service.socket, 'POST', '/v1/ipam/ip', { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: 'ghost', podUID: 'u' })
    const { status, body } = await get(metricsPort, '/metrics')
    expect(status).toBe(200)
    for (const line of body.trimEnd().split('\n')) {
      if (line === '') continue // between families
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        expect(line.split(' ')[2], line).toMatch(METRIC_FAMILY)
        continue
      }
      const name = line.split(/[{ ]/)[0] ?? ''
      expect(name.replace(/_(bucket|sum|count)$/, ''), line).toMatch(METRIC_FAMILY)
      expect(line, 'a pod name or an address in a metric').not.toMatch(/ghost|\d+\.\d+\.\d+\.\d+/)
    }
  })

  it('serve nothing else: not the IPAM API, not the webhooks, no debug pages', async () => {
    for (const p of [healthPort, metricsPort]) {
      for (const [method, path] of [
        ['GET', '/'],
        ['POST', '/v1/ipam/ip'],
        ['DELETE', '/v1/ipam/ip'],
        ['GET', '/v1/ipam/healthy'],
        ['POST', '/v1/ipam/gc'],
        ['POST', '/validate/spiderippool'],
        ['POST', '/mutate/spiderippool'],
        ['GET', '/debug/pprof/'],
        ['GET', '/metrics/../../etc/passwd'],
        ['POST', '/metrics'],
        ['PUT', '/healthz'],
      ] as const) {
        expect(await get(p, path, method), `${method} ${path} on ${p}`).toEqual({ status: 404, body: '404 Not Found' })
      }
    }
    expect((await get(healthPort, '/metrics')).status).toBe(404)
    expect((await get(metricsPort, '/healthz')).status).toBe(404)
  })

  it('tells why it is not ready, without the credentials it holds', async () => {
    const token = `spinneret-test-secret-${Math.random().toString(36).slice(2)}`
    const kubeconfig = join(dir, 'unreachable.kubeconfig')
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    )
    const lonely = await startService({ KUBECONFIG: kubeconfig }, 'node', { until: 'listening' })
    services.push(lonely)
    const p = portOf(lonely, 'health')
    const ready = await get(p, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatch(/^not ready:\n/)
    const metrics = (await get(portOf(lonely, 'metrics'), '/metrics')).body
    const answers = [
      ready.body,
      metrics,
      (await get(p, '/healthz')).body,
      JSON.stringify((await ipamCall(lonely.socket, 'GET', '/v1/ipam/healthy')).body),
      lonely.output(),
    ]
    for (const text of answers) expect(text).not.toContain(token)
  })
})
