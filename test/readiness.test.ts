// A service that cannot serve says so and decides nothing: started against an API server that
// has no CRDs yet, it is not ready and the plugin gets "try again" (CNI code 11) until the CRDs
// are installed; when the API server goes away it is not ready again within seconds, and ready
// again within seconds of its return (same address, same objects). Its own control plane (a
// second, temporary one), since the shared one has the CRDs installed.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCni } from '../scripts/build-cni.ts'
import { ControlPlane } from '../scripts/control-plane/control-plane.ts'
import { httpGet } from '../scripts/control-plane/processes.ts'
import { applyManifests, createNamespace, createPod } from './support/cluster.ts'
import { startService, type RunningService } from './support/service.ts'

const dir = mkdtempSync(join(tmpdir(), 'spinneret-readiness-'))
const plane = new ControlPlane({ dir: join(dir, 'control-plane'), contextName: 'readiness' })
let service: RunningService
let kc: k8s.KubeConfig
let plugin: string
let early: k8s.V1Pod
let notReadyAfterMs = 0

/** GET on the service's health port (the port it logged, since the test asked for any). */
function ops(path: string): Promise<{ status: number; body: string }> {
  const port = Number(/"msg":"health listening".*?"port":(\d+)/.exec(service.output())?.[1])
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
      .on('error', reject)
      .end()
  })
}

/** CNI ADD through the compiled plugin, as the runtime runs it; resolves with its JSON answer. */
function pluginAdd(pod: k8s.V1Pod): Promise<{ exitCode: number | null; answer: { code?: number; msg?: string; ips?: unknown[] } }> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: `c-${pod.metadata?.uid}`,
    CNI_NETNS: '/proc/self/ns/net',
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/usr/lib/cni',
    CNI_ARGS: `K8S_POD_NAMESPACE=${pod.metadata?.namespace};K8S_POD_NAME=${pod.metadata?.name};K8S_POD_UID=${pod.metadata?.uid}`,
  }
  const conf = {
    cniVersion: '1.0.0',
    name: 'readiness',
    type: 'macvlan',
    ipam: { type: 'spinneret', ipam_unix_socket_path: service.socket, log_file_path: join(dir, 'cni.log') },
  }
  return new Promise((resolve, reject) => {
    const child = spawn(plugin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({ exitCode, answer: JSON.parse(stdout || '{}') }))
    child.stdin.end(JSON.stringify(conf))
  })
}

const eventually = async (what: string, check: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}\n${service.output().slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

beforeAll(async () => {
  plugin = buildCni().binary
  const { kubeconfigPath } = await plane.up()
  kc = new k8s.KubeConfig()
  kc.loadFromFile(kubeconfigPath)
  service = await startService({ KUBECONFIG: kubeconfigPath, RESYNC_SECONDS: '3600' }, 'node', { until: 'listening' })
}, 180_000)

afterAll(async () => {
  await service?.stop()
  await plane.down()
  rmSync(dir, { recursive: true, force: true })
})

describe('readiness', () => {
  it('is not ready without the CRDs, says why, and answers the plugin "try again" without writing anything', async () => {
    const readyz = await ops('/readyz')
    expect(readyz.status).toBe(503)
    expect(readyz.body).toContain('the spiderpool.spidernet.io/v2beta1 API is not served: install the CRDs (manifests/crds)')
    expect((await ops('/healthz')).status).toBe(200) // alive, only not ready: no restart helps

    await createNamespace(kc, 'app')
    early = await createPod(kc, { namespace: 'app', name: 'early', nodeName: 'node-a', annotations: { 'ipam.spidernet.io/ippool': '{"ipv4":["p"]}' } })
    const { exitCode, answer } = await pluginAdd(early)
    expect(exitCode).not.toBe(0)
    expect(answer.code).toBe(11)
    expect(answer.msg).toMatch(/not ready: .*install the CRDs/)
    expect(service.output()).toMatch(/"msg":"not ready".*install the CRDs/)
  })

  it('gets ready once the CRDs are installed', async () => {
    await applyManifests(kc, 'manifests/crds')
    await eventually('ready after the CRDs', async () => (await ops('/readyz')).status === 200)
    expect(service.output()).toMatch(/"msg":"ready"/)
  })

  it('is not ready within seconds of the API server going away, and the plugin gets "try again"', async () => {
    // When the API server stops answering requests (its /readyz fails early in its drain, while it
    // still serves) and when the
    // service turns not ready, both polled every 100 ms.
    const state = plane.state()!
    let apiGoneAt: number | undefined
    let notReadyAt: number | undefined
    let polling = true
    const poll = (async () => {
      while (polling && notReadyAt === undefined) {
        const answered = await httpGet(`https://127.0.0.1:${state.apiserverPort}/apis/spiderpool.spidernet.io/v2beta1`, state.token).then(
          (r) => r.status === 200,
          () => false,
        )
        if (!answered) apiGoneAt ??= Date.now()
        if ((await ops('/readyz')).status === 503) notReadyAt = Date.now()
        await new Promise((r) => setTimeout(r, 100))
      }
    })()
    await plane.down({ keepState: true })
    await eventually('not ready without the API server', async () => notReadyAt !== undefined, 5000)
    polling = false
    await poll
    notReadyAfterMs = notReadyAt! - (apiGoneAt ?? notReadyAt!)
    expect(notReadyAfterMs).toBeLessThan(5000)
    expect((await ops('/readyz')).body).toMatch(/unreachable/)
    expect((await ops('/healthz')).status).toBe(200) // alive: a restart would not bring the API server back
    const { answer } = await pluginAdd(early)
    expect(answer.code).toBe(11)
    expect(answer.msg).toMatch(/not ready: .*unreachable/)
  })

  it("is ready again within seconds of the API server's return, and answers the plugin again", async () => {
    await plane.resume()
    const back = Date.now() // resume returns once the API server answers its /readyz
    await eventually('ready once the API server is back', async () => (await ops('/readyz')).status === 200, 5000)
    const readyAfterMs = Date.now() - back
    console.log(`readiness turned false ${notReadyAfterMs} ms after the API server stopped, true ${readyAfterMs} ms after it returned`)
    // Decided again, not "try again": the pod's node was never created (103).
    const { answer } = await pluginAdd(early)
    expect(answer.code).toBe(103)
    expect(answer.msg).toMatch(/node-a/)
  })
})
