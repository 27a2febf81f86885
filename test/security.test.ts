// What the running service lets a caller without credentials do or learn. The IPAM API (which
// allocates and releases for any pod) is a unix socket only root can open; the health and metrics
// port is loopback-only and tells numbers and "ok", never a name, an address or a credential,
// not even when the service cannot reach the API server. README "Security" lists the same.
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
let port: number

/** The metrics the service exports, all of them: a new one must be added here and to the README. */
const METRICS = [
  'spinneret_api_reads_total',
  'spinneret_api_writes_total',
  'spinneret_api_conflicts_total',
  'spinneret_pool_writer_rounds_total',
  'spinneret_pool_writer_writes_total',
  'spinneret_pool_writer_conflicts_total',
  'spinneret_pool_writer_jobs_total',
  'spinneret_ip_claims_claims_total',
  'spinneret_ip_claims_refusals_total',
  'spinneret_process_memory_rss_bytes',
  'spinneret_process_memory_heap_total_bytes',
  'spinneret_process_memory_heap_used_bytes',
  'spinneret_process_memory_external_bytes',
  'spinneret_process_memory_array_buffers_bytes',
]

/** The health and metrics port, from the service's "listening" log line (tests bind port 0). */
const opsPort = (s: RunningService): number => {
  const line = s.output().split('\n').find((l) => l.includes('"health and metrics listening"'))
  const found = line && (JSON.parse(line) as { port?: number }).port
  if (!found) throw new Error(`the service did not say where health and metrics listen:\n${s.output()}`)
  return found
}

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
  port = opsPort(service)
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

describe('the health and metrics port, to a caller without credentials', () => {
  it('listens on loopback only', () => {
    // 0100007F is 127.0.0.1 as /proc/net/tcp writes it.
    expect(listeners(port)).toEqual([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`])
  })

  it('answers /healthz and /readyz with "ok" and nothing else', async () => {
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok' })
    expect(await get(port, '/readyz')).toEqual({ status: 200, body: 'ok' })
  })

  it('answers /metrics with the listed counters and gauges: a name and a number a line, no labels', async () => {
    // Some traffic first, so that counters are not all zero.
    await ipamCall(service.socket, 'POST', '/v1/ipam/ip', { containerID: 'c', ifName: 'eth0', podNamespace: 'default', podName: 'ghost', podUID: 'u' })
    const { status, body } = await get(port, '/metrics')
    expect(status).toBe(200)
    const lines = body.trimEnd().split('\n')
    const names = new Set<string>()
    for (const [i, line] of lines.entries()) {
      if (i % 2 === 0) {
        expect(line).toMatch(/^# TYPE spinneret_[a-z_]+ (counter|gauge)$/)
      } else {
        expect(line).toMatch(/^spinneret_[a-z_]+ \d+(\.\d+)?$/)
        names.add(line.split(' ')[0] as string)
      }
    }
    expect([...names].sort()).toEqual([...METRICS].sort())
  })

  it('serves nothing else: not the IPAM API, not the webhooks, no debug pages', async () => {
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
      expect(await get(port, path, method), `${method} ${path}`).toEqual({ status: 404, body: '404 Not Found' })
    }
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
    const p = opsPort(lonely)
    const ready = await get(p, '/readyz')
    expect(ready.status).toBe(503)
    expect(ready.body).toMatch(/^not ready:\n/)
    const answers = [ready.body, (await get(p, '/metrics')).body, (await get(p, '/healthz')).body, JSON.stringify((await ipamCall(lonely.socket, 'GET', '/v1/ipam/healthy')).body), lonely.output()]
    for (const text of answers) expect(text).not.toContain(token)
  })
})
