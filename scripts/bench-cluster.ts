/**
 * `npm run bench:cluster` (as root): the local cluster's figures, measured now on this machine.
 *
 *   cluster:up warm (binaries and images built) from nothing, a second up (reuse), cluster:down
 *   RSS of every component, idle, with Spinneret installed
 *   a 2-node DaemonSet from kubectl apply to both pods Running: hostNetwork (no IPAM), and
 *     with Spinneret as IPAM (the seed's shape)
 *   Spinneret: image size, plugin install time, a service pod from deletion to Ready again,
 *     the service's own start (first log line) to ready
 *   npm run demo, warm, wall time
 *
 * `-- --cold` first removes the built binaries and images, so `up` includes the builds (Go's own
 * caches stay: a fresh machine also downloads the modules).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { BIN_DIR, REPO_ROOT } from './control-plane/build.ts'
import { clusterKubeConfig, clusterNodes, clusterControlPlane, down, up } from './cluster/cluster.ts'
import { HOST_PROCESSES, hostProcessPid } from './cluster/controllers.ts'
import { installSpinneret, kubectl, SERVICE_NAMESPACE } from './cluster/install.ts'
import { containerdOf, kubeletOf, nodeProcesses } from './cluster/node.ts'
import { IMAGES_DIR } from './cluster/paths.ts'
import { livePid } from './control-plane/processes.ts'
import { gzipSize } from './image/build-image.ts'

const cold = process.argv.includes('--cold')
const rows: Array<[string, string]> = []
const note = (what: string, value: string) => {
  rows.push([what, value])
  process.stderr.write(`[bench:cluster] ${what}: ${value}\n`)
}
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const value = await fn()
  return [value, performance.now() - t0]
}

const rssOf = (pid: number): number => {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024
  } catch {
    return 0
  }
}
const commOf = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return '?'
  }
}

async function waitRunning(core: k8s.CoreV1Api, namespace: string, selector: string, count: number): Promise<void> {
  for (;;) {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items
    if (
      pods.length === count &&
      pods.every((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    )
      return
    await sleep(50)
  }
}

async function daemonSetToRunning(core: k8s.CoreV1Api, name: string, template: Record<string, unknown>): Promise<number> {
  const apps = clusterKubeConfig().makeApiClient(k8s.AppsV1Api)
  const body = { metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, ...template } } }
  const [, ms] = await timed(async () => {
    await apps.createNamespacedDaemonSet({ namespace: 'default', body })
    await waitRunning(core, 'default', `app=${name}`, clusterNodes().length)
  })
  await apps.deleteNamespacedDaemonSet({ namespace: 'default', name })
  await kubectl(['delete', 'pods', '-l', `app=${name}`, '--grace-period=1', '--wait=true'])
  return ms
}

function runDemo(): Promise<{ ms: number; output: string; code: number | null }> {
  const t0 = performance.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('close', (code) => resolve({ ms: performance.now() - t0, output, code }))
  })
}

async function main(): Promise<void> {
  note(
    'machine',
    `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0]!.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`,
  )
  await down()
  if (cold) {
    for (const f of fs.readdirSync(BIN_DIR))
      if (!['kube-apiserver', 'etcd', 'stamp-control-plane'].includes(f)) fs.rmSync(path.join(BIN_DIR, f), { recursive: true, force: true })
    fs.rmSync(IMAGES_DIR, { recursive: true, force: true })
  }
  const [, upMs] = await timed(() => up())
  note(`cluster:up ${cold ? 'cold (node binaries and images built)' : 'warm'}, 2 nodes Ready`, seconds(upMs))
  const [, reuseMs] = await timed(() => up())
  note('cluster:up again (reuses it)', seconds(reuseMs))

  const [installed, installMs] = await timed(() => installSpinneret())
  note('Spinneret image', `${mib(installed.image.bytes)} (${mib(await gzipSize(installed.image.archive))} gzip-compressed)`)
  note(
    'install: image build + import + kubectl apply -k until the DaemonSet is ready',
    `${seconds(installMs)} (apply to ready ${seconds(installed.rolloutMs)})`,
  )

  // The plugin install as the init container does it, onto a fresh dir.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spinneret-install-'))
  const [, pluginMs] = await timed(
    () =>
      new Promise<void>((resolve, reject) =>
        spawn(path.join(REPO_ROOT, 'dist/cni/spinneret'), ['install', scratch], { stdio: 'ignore' }).on('close', (c) =>
          c === 0 ? resolve() : reject(new Error(`install exit ${c}`)),
        ),
      ),
  )
  fs.rmSync(scratch, { recursive: true, force: true })
  note('plugin install (spinneret install <dir>: two 107 MiB copies, synced, renamed)', seconds(pluginMs))

  const core = clusterKubeConfig().makeApiClient(k8s.CoreV1Api)
  const selector = 'app.kubernetes.io/name=spinneret'
  const [victim] = (await core.listNamespacedPod({ namespace: SERVICE_NAMESPACE, labelSelector: selector })).items
  const [, restartMs] = await timed(async () => {
    await core.deleteNamespacedPod({ namespace: SERVICE_NAMESPACE, name: victim!.metadata!.name!, gracePeriodSeconds: 1 })
    for (;;) {
      const pods = (await core.listNamespacedPod({ namespace: SERVICE_NAMESPACE, labelSelector: selector })).items
      const fresh = pods.filter((p) => p.metadata?.uid !== victim!.metadata?.uid)
      if (fresh.length === clusterNodes().length && fresh.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) return
      await sleep(50)
    }
  })
  note('a service pod deleted until its replacement is Ready (init container, start, readiness probe)', seconds(restartMs))
  const replacement = (
    await core.listNamespacedPod({ namespace: SERVICE_NAMESPACE, labelSelector: selector, fieldSelector: `spec.nodeName=${victim!.spec!.nodeName}` })
  ).items[0]!
  const log = await kubectl(['-n', SERVICE_NAMESPACE, 'logs', replacement.metadata!.name!, '-c', 'spinneret'])
  const times = log
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { time: string; msg: string })
  const ready = times.find((l) => l.msg === 'ready')
  if (ready && times[0]) note("the service's first log line to ready", `${Date.parse(ready.time) - Date.parse(times[0].time)} ms`)

  // Idle a while, then every component's memory.
  await sleep(20_000)
  const cp = clusterControlPlane
  const processes: Array<[string, number | undefined]> = [
    ['etcd', livePid(cp.tracked('etcd'))],
    ['kube-apiserver', livePid(cp.tracked('kube-apiserver'))],
    ...HOST_PROCESSES.map((name): [string, number | undefined] => [name, hostProcessPid(name)]),
  ]
  for (const node of clusterNodes()) {
    processes.push([`containerd (${node.name})`, livePid(containerdOf(node.name))], [`kubelet (${node.name})`, livePid(kubeletOf(node.name))])
  }
  let total = 0
  for (const [name, pid] of processes) {
    const rss = pid === undefined ? 0 : rssOf(pid)
    total += rss
    note(`RSS idle: ${name}`, mib(rss))
  }
  const known = new Set(processes.map(([, pid]) => pid))
  for (const node of clusterNodes()) {
    const byComm = new Map<string, { count: number; rss: number }>()
    for (const pid of nodeProcesses(node.name).filter((p) => !known.has(p))) {
      const comm = commOf(pid)
      const entry = byComm.get(comm) ?? { count: 0, rss: 0 }
      byComm.set(comm, { count: entry.count + 1, rss: entry.rss + rssOf(pid) })
    }
    for (const [comm, { count, rss }] of byComm) {
      total += rss
      note(`RSS idle: ${comm} x${count} (${node.name}${comm === 'node' ? ': the Spinneret service' : ''})`, mib(rss))
    }
  }
  note('RSS idle: total', mib(total))

  const busybox = { image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }
  note(
    '2-node DaemonSet, hostNetwork (no IPAM): kubectl apply to both Running',
    seconds(
      await daemonSetToRunning(core, 'bench-hostnet', {
        spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', ...busybox }] },
      }),
    ),
  )

  const demo = await runDemo()
  if (demo.code !== 0) throw new Error(`npm run demo failed:\n${demo.output.slice(-3000)}`)
  note('npm run demo, warm (cluster reused; image, seed, DaemonSet, ping, cleanup)', seconds(demo.ms))
  const running = /every pod Running (\d+\.\d) s after kubectl apply/.exec(demo.output)?.[1]
  note("the seed's 2-node DaemonSet with Spinneret as IPAM: kubectl apply to both Running", `${running} s`)

  const [, downMs] = await timed(() => down())
  note('cluster:down', seconds(downMs))

  const width = Math.max(...rows.map(([what]) => what.length))
  console.log(rows.map(([what, value]) => `${what.padEnd(width)}  ${value}`).join('\n'))
}

try {
  await main()
  process.exit(0)
} catch (e) {
  console.error(`bench:cluster: ${e instanceof Error ? e.stack : String(e)}`)
  process.exit(1)
}
