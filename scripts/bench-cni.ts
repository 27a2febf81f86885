/**
 * What the compiled CNI plugin costs a pod start: `npm run bench:cni [-- options]`.
 *
 * `--target real` (the default): the real service (functions/service, as a child process, with
 * `NODE_NAME` set as the DaemonSet sets it) against the test control plane, which is started if
 * it is not running, and in the same run, by the same driver, Debian's host-local
 * (/usr/lib/cni/host-local, files in a temporary directory, no API server) as the floor:
 * - binary size, and cold start of `VERSION` (no I/O but stdout);
 * - `--rounds` rounds, each: `--total` ADDs with `--concurrency` in flight, then their DELs, and
 *   `--serial` ADDs and DELs one at a time; host-local and Spinneret run the same calls one after
 *   the other, their order swapped every round (interleaved, so a busy moment of the machine
 *   does not favour one). Every Spinneret ADD is a fresh allocation for a distinct pod, released
 *   by a DEL once its pod is terminating (a DEL while the pod lives on keeps its address); the
 *   pool is verified empty after each round, and the objects are deleted at the end.
 * - per phase: wall time, per-call latency, CPU per call of each process (plugin processes,
 *   service, kube-apiserver, etcd, from /proc), the service's counters, and the requests the API
 *   server counted (its apiserver_request_total, by verb and resource; watches left out);
 * - the summary: Spinneret's ADD and DEL wall time as a ratio of host-local's (goal <= 1.35x),
 *   with the range over rounds.
 * `SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` profiles the service (test/support/service.ts).
 * When the control plane cannot be started, or host-local is missing, it says why and stops.
 *
 * `--target stub`: ADD goes to a stub in this process that answers at once: process start +
 * client + transport only, never the IPAM service; `--total` ADDs against as many bare VERSION
 * calls at `--concurrency` in flight.
 * `--socket PATH`: a service you run yourself; pass a pod that exists (`--pod-namespace`,
 * `--pod-name`, `--pod-uid`): every call is for that pod, so after the first they measure the
 * service's idempotent path, and no DEL is sent afterwards.
 * Timings are wall clock on a possibly shared machine: the load average is printed alongside;
 * CPU time hardly moves with the machine's load.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as k8s from '@kubernetes/client-node'
import {
  applyManifests,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  inParallel,
  kubeConfig,
  poolRecords,
  readPool,
  unique,
} from '../test/support/cluster.ts'
import { ensureControlPlane } from '../test/support/control-plane.ts'
import { startService, type RunningService } from '../test/support/service.ts'
import { buildCni, REPO_ROOT } from './build-cni.ts'

const { values: opts } = parseArgs({
  options: {
    target: { type: 'string', default: 'real' },
    socket: { type: 'string' },
    runs: { type: 'string', default: '50' },
    total: { type: 'string', default: '1000' },
    serial: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '50' },
    'pod-namespace': { type: 'string', default: 'bench' },
    'pod-name': { type: 'string', default: 'bench-0' },
    'pod-uid': { type: 'string', default: '00000000-0000-0000-0000-000000000000' },
    ifname: { type: 'string', default: 'eth0' },
    'cni-version': { type: 'string', default: '1.0.0' },
  },
})
const runs = Number(opts.runs)
const total = Number(opts.total)
const concurrency = Number(opts.concurrency)
const serialCount = Number(opts.serial)
const rounds = Number(opts.rounds)
const HOST_LOCAL = '/usr/lib/cni/host-local'
const targetKind = opts.socket ? 'socket' : opts.target
if (!['real', 'stub', 'socket'].includes(targetKind ?? '')) throw new Error(`--target must be real or stub, not ${opts.target}`)

const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc; USER_HZ is 100 there). Unlike wall clock it hardly moves with the
// machine's load: it is what a pod start costs the node.

const statFields = (pid: number | string): string[] | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, cutime 16.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** CPU time of this process's reaped children: the plugin processes. */
const childrenCpuMs = (): number | undefined => {
  const fields = statFields('self')
  return fields ? (Number(fields[13]) + Number(fields[14])) * 10 : undefined
}

/** CPU time of a live process and its live descendants (the service is tsx plus its node child). */
const treeCpuMs = (pid: number): number => {
  const fields = statFields(pid)
  if (!fields) return 0
  let ms = (Number(fields[11]) + Number(fields[12])) * 10
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      for (const child of children ? children.split(' ') : []) ms += treeCpuMs(Number(child))
    }
  } catch {
    // exited meanwhile
  }
  return ms
}

const planePid = (name: string): number | undefined => {
  try {
    return Number(readFileSync(join(REPO_ROOT, '.cache/control-plane/run', `${name}.pid`), 'utf8').trim())
  } catch {
    return undefined
  }
}

/** Processes whose CPU a measurement reports besides the plugin processes. */
type Watched = Readonly<Record<string, number | undefined>>

const cpuOf = (watched: Watched): Record<string, number> => Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, pid ? treeCpuMs(pid) : 0]))

/** What one measurement reports besides the plugin processes' CPU. */
interface Observed {
  /** Processes whose CPU per call is reported. */
  readonly watched: Watched
  /** The service's counters (its /metrics), whose growth per call is reported. */
  counters?(): Promise<Record<string, number>>
}

const COUNTERS: readonly (readonly [string, string])[] = [
  ['spinneret_kube_api_reads_total', 'API reads'],
  ['spinneret_kube_api_writes_total', 'API writes'],
  ['spinneret_kube_api_conflicts_total', 'API conflicts'],
  ['spinneret_pool_writer_writes_total', 'pool writes'],
]

/** Runs `measure` and says how much CPU its children and the observed processes used per call. */
const withCpu = async <T>(count: number, observed: Observed, measure: () => Promise<T>): Promise<{ result: T; cpu: string }> => {
  const { watched } = observed
  const countersBefore = await observed.counters?.()
  const before = childrenCpuMs()
  const othersBefore = cpuOf(watched)
  const result = await measure()
  const after = childrenCpuMs()
  const othersAfter = cpuOf(watched)
  const countersAfter = await observed.counters?.()
  const perCall = (n: number) => (n / count).toFixed(1)
  const parts = [
    before === undefined || after === undefined ? 'plugin CPU n/a' : `CPU ms/call: plugin ${perCall(after - before)}`,
    ...Object.keys(watched).map((name) => `${name} ${perCall((othersAfter[name] ?? 0) - (othersBefore[name] ?? 0))}`),
  ]
  if (countersBefore && countersAfter) {
    const growth = COUNTERS.map(([key, label]) => `${label} ${perCall((countersAfter[key] ?? 0) - (countersBefore[key] ?? 0))}`)
    parts.push(`per call: ${growth.join(', ')}`)
  }
  return { result, cpu: parts.join(', ') }
}

// ---------------------------------------------------------------------------------------------
// Running the plugin

interface Run {
  readonly ms: number
  readonly code: number | null
  readonly stdout: string
}

const exec = (binary: string, env: Record<string, string>, stdin: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(binary, [], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout }))
    // VERSION exits without reading stdin: a write into the closed pipe is expected, not an error.
    child.stdin.on('error', () => {})
    child.stdin.end(stdin)
  })

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN

const median = (samples: readonly number[]): number =>
  quantile(
    [...samples].sort((a, b) => a - b),
    0.5,
  )

const summary = (samples: readonly number[]): string => {
  const sorted = [...samples].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(1)
  return `median ${f(quantile(sorted, 0.5))} ms, p90 ${f(quantile(sorted, 0.9))} ms, min ${f(sorted[0] ?? NaN)} ms`
}

const checked = (what: string, run: Run): Run => {
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${run.stdout}`)
  return run
}

const sequential = async (indexes: readonly number[], once: (i: number) => Promise<Run>): Promise<Run[]> => {
  const done: Run[] = []
  for (const i of indexes) done.push(await once(i))
  return done
}

const parallel = async (count: number, inFlight: number, once: (i: number) => Promise<Run>): Promise<{ wallMs: number; runs: Run[] }> => {
  const started = performance.now()
  const done = await inParallel(
    Array.from({ length: count }, (_, i) => i),
    inFlight,
    once,
  )
  return { wallMs: performance.now() - started, runs: done }
}

// ---------------------------------------------------------------------------------------------
// Targets: where ADD goes

interface PodRef {
  readonly namespace: string
  readonly name: string
  readonly uid: string
}

interface Target extends Observed {
  readonly label: string
  readonly socketPath: string
  /** The pod of call i. */
  pod(i: number): PodRef
  /** True when every call is a fresh allocation to be released afterwards. */
  readonly real: boolean
  /** Allocation count and records left in the pool, for the final check. */
  poolState?(): Promise<{ allocated: number; records: number }>
  /** Starts the graceful deletion of these calls' pods, so that their DEL releases. */
  terminate?(calls: readonly number[]): Promise<void>
  /** Requests the API server has counted so far, by "VERB resource" (watches left out). */
  apiRequests?(): Promise<Record<string, number>>
  close(): Promise<void>
}

/** Answers POST /v1/ipam/ip at once with a dual-stack allocation for the asked NIC. */
const startStub = async (socketPath: string): Promise<Server> => {
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      const nic = (JSON.parse(body || '{}') as { ifName?: string }).ifName ?? 'eth0'
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          ips: [
            { version: 4, address: '198.18.0.10/24', nic, ipPool: 'stub-v4', gateway: '198.18.0.1' },
            { version: 6, address: 'fd00:198:18::a/64', nic, ipPool: 'stub-v6', gateway: 'fd00:198:18::1' },
          ],
          routes: [
            { ifName: nic, dst: '0.0.0.0/0', gw: '198.18.0.1' },
            { ifName: nic, dst: '::/0', gw: 'fd00:198:18::1' },
          ],
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return server
}

const fixedPod: PodRef = { namespace: opts['pod-namespace'], name: opts['pod-name'], uid: opts['pod-uid'] }

const stubTarget = async (): Promise<Target> => {
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-bench-cni-'))
  const socketPath = join(dir, 'stub.sock')
  const stub = await startStub(socketPath)
  return {
    label: `a STUB in this process (${socketPath}), not the IPAM service`,
    socketPath,
    pod: () => fixedPod,
    watched: {},
    real: false,
    close: async () => {
      await new Promise((resolve) => stub.close(resolve))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const socketTarget = (socketPath: string): Target => ({
  label: `the IPAM service at ${socketPath} (one pod: idempotent path after the first)`,
  socketPath,
  pod: () => fixedPod,
  watched: {},
  real: false,
  close: async () => {},
})

/** The service process has settled once it stays nearly idle for a second (its initial list and
 * reconciles of the pods just created are done), or after 60 s. */
const settle = async (pid: number): Promise<number> => {
  const started = performance.now()
  let quiet = 0
  let last = treeCpuMs(pid)
  while (quiet < 4 && performance.now() - started < 60_000) {
    await new Promise((r) => setTimeout(r, 250))
    const now = treeCpuMs(pid)
    quiet = now - last <= 25 ? quiet + 1 : 0 // <= 10% of a core over 250 ms
    last = now
  }
  return performance.now() - started
}

const realTarget = async (): Promise<Target> => {
  const t0 = performance.now()
  const { kubeconfigPath, started } = await ensureControlPlane().catch((e: unknown) => {
    throw new Error(`the control plane is not available (${e instanceof Error ? e.message : String(e)}): use --target stub to measure without it`)
  })
  process.env.KUBECONFIG = kubeconfigPath // the service inherits it
  const kc = kubeConfig()
  await applyManifests(kc, join(REPO_ROOT, 'manifests/crds'))
  const tag = unique('bench-cni')
  const node = `${tag}-node`
  const pool = `${tag}-pool`
  await createNamespace(kc, tag)
  await createNode(kc, node, { 'spinneret.bench/zone': tag })
  // Room for every pod at once, twice over: the pool is never nearly full (no used-out search).
  await createPool(kc, pool, {
    ipVersion: 4,
    subnet: '198.18.136.0/21',
    gateway: '198.18.136.1',
    ips: ['198.18.136.2-198.18.143.254'],
    nodeAffinity: { matchLabels: { 'spinneret.bench/zone': tag } },
  })
  const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
  const pods = await inParallel(
    Array.from({ length: podCount() }, (_, i) => i),
    25,
    async (i): Promise<PodRef> => {
      const pod = await createPod(kc, { namespace: tag, name: `p-${i}`, nodeName: node, annotations })
      return { namespace: tag, name: `p-${i}`, uid: pod.metadata?.uid ?? '' }
    },
  )
  const setupMs = performance.now() - t0
  let service: RunningService | undefined
  const removeObjects = async () => {
    await service?.stop()
    await deleteClusterObjects(kc, 'spiderippools', [pool])
    const core = kc.makeApiClient(k8s.CoreV1Api)
    // No kubelet confirms a graceful deletion: the pods go at once.
    await core.deleteCollectionNamespacedPod({ namespace: tag, gracePeriodSeconds: 0 })
    await core.deleteNode({ name: node })
  }
  try {
    // NODE_NAME as the DaemonSet sets it: the service watches this node's pods, as in a cluster.
    service = await startService({ NODE_NAME: node })
    const settledMs = await settle(service.process.pid ?? 0)
    out(
      `real target: control plane ${started ? 'started' : 'reused'} (${kubeconfigPath}); namespace ${tag}, pool ${pool}, ` +
        `${pods.length} pods on ${node}: set up in ${(setupMs / 1000).toFixed(1)} s; service settled after ${(settledMs / 1000).toFixed(1)} s`,
    )
  } catch (e) {
    await removeObjects().catch(() => {})
    throw e
  }
  const running = service
  return {
    label: 'the real IPAM service',
    socketPath: running.socket,
    pod: (i) => pods[i] ?? fixedPod,
    terminate: async (calls) => {
      // A grace period longer than the run: the service's own leak scan must not release them first.
      const core = kc.makeApiClient(k8s.CoreV1Api)
      await inParallel(calls, 25, (i) => core.deleteNamespacedPod({ namespace: tag, name: `p-${i}`, gracePeriodSeconds: 3600 }).then(() => {}))
    },
    apiRequests: () => apiServerRequests(kc),
    watched: { service: running.process.pid, 'kube-apiserver': planePid('kube-apiserver'), etcd: planePid('etcd') },
    real: true,
    counters: async () => {
      const port = /"metrics listening".*?"port":(\d+)/.exec(running.output())?.[1]
      if (!port) return {}
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      const lines = text.split('\n').filter((l) => l && !l.startsWith('#'))
      return Object.fromEntries(lines.map((l) => l.split(' ')).map(([k, v]) => [k ?? '', Number(v)]))
    },
    poolState: async () => {
      const state = await readPool(kc, pool)
      return { allocated: state.status.allocatedIPCount ?? 0, records: Object.keys(poolRecords(state)).length }
    },
    close: removeObjects,
  }
}

// ---------------------------------------------------------------------------------------------

const out = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

const cniEnv = (command: 'ADD' | 'DEL', i: number, pod: PodRef): Record<string, string> => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: `bench-${i}`,
  // Only its presence is checked (cni/env.ts); the service records it, nothing opens it.
  CNI_NETNS: `/var/run/netns/bench-${i}`,
  CNI_IFNAME: opts.ifname,
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: [`K8S_POD_NAMESPACE=${pod.namespace}`, `K8S_POD_NAME=${pod.name}`, `K8S_POD_UID=${pod.uid}`].join(';'),
})

const lineFor = (what: string, wallMs: number, times: readonly number[], cpu: string): string => {
  const rate = ((total / wallMs) * 1000).toFixed(0)
  return `${total} ${what}, ${concurrency} in flight: ${(wallMs / 1000).toFixed(2)} s, ${rate}/s; ${cpu}; each ${summary(times)}`
}

/** Pods of the real target: one to warm the service up, then each round's concurrent and serial calls. */
const podCount = () => 1 + rounds * (total + serialCount)

/** The requests kube-apiserver has counted (apiserver_request_total), by "VERB resource[/subresource]". */
const apiServerRequests = async (kc: k8s.KubeConfig): Promise<Record<string, number>> => {
  const options: Record<string, unknown> & { headers?: Record<string, string> } = {}
  await kc.applyToHTTPSOptions(options)
  const url = new URL(`${kc.getCurrentCluster()?.server ?? ''}/metrics`)
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(url, { ...options, method: 'GET' }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
  const counts: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue
    const label = (name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? ''
    // Watches are counted when they end, and the scrape itself has no resource.
    if (label('verb') === 'WATCH' || label('resource') === '') continue
    const key = `${label('verb')} ${label('resource')}${label('subresource') ? `/${label('subresource')}` : ''}`
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return counts
}

/** One measured phase: `count` calls with `inFlight` at once. */
interface Phase {
  readonly wallMs: number
  readonly times: readonly number[]
  /** CPU ms per call: plugin processes, then each watched process. */
  readonly cpu: Readonly<Record<string, number>>
  /** API server requests per call, by verb and resource, and their sum. */
  readonly api: Readonly<Record<string, number>>
  readonly apiTotal: number
  readonly counters: Readonly<Record<string, number>>
}

const measurePhase = async (count: number, inFlight: number, target: Target, once: (i: number) => Promise<Run>, calls: readonly number[]): Promise<Phase> => {
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
      Object.keys(b)
        .map((k): [string, number] => [k, ((b[k] ?? 0) - (a[k] ?? 0)) / count])
        .filter(([, v]) => v > 0),
    )
  const [apiBefore, countersBefore] = await Promise.all([target.apiRequests?.() ?? {}, target.counters?.() ?? {}])
  const pluginBefore = childrenCpuMs() ?? 0
  const othersBefore = cpuOf(target.watched)
  const started = performance.now()
  const runs = await inParallel(calls, inFlight, once)
  const wallMs = performance.now() - started
  const pluginAfter = childrenCpuMs() ?? 0
  const othersAfter = cpuOf(target.watched)
  const [apiAfter, countersAfter] = await Promise.all([target.apiRequests?.() ?? {}, target.counters?.() ?? {}])
  const api = diff(apiBefore, apiAfter)
  return {
    wallMs,
    times: runs.map((r) => r.ms),
    cpu: { plugin: (pluginAfter - pluginBefore) / count, ...diff(othersBefore, othersAfter) },
    api,
    apiTotal: Object.values(api).reduce((a, b) => a + b, 0),
    counters: diff(countersBefore, countersAfter),
  }
}

const phaseLine = (what: string, count: number, inFlight: number, p: Phase): string => {
  const f1 = (n: number | undefined) => (n ?? 0).toFixed(1)
  const f2 = (n: number | undefined) => (n ?? 0).toFixed(2)
  const cpu = Object.entries(p.cpu)
    .map(([k, v]) => `${k} ${f1(v)}`)
    .join(', ')
  const api = Object.entries(p.api)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${f2(v)}`)
    .join(', ')
  const counters = COUNTERS.map(([key, label]) => `${label} ${f2(p.counters[key])}`).join(', ')
  return (
    `${what}: ${count} calls, ${inFlight} in flight: ${(p.wallMs / 1000).toFixed(2)} s; each ${summary(p.times)}\n` +
    `    CPU ms/call: ${cpu}\n` +
    `    API server requests/call: ${f2(p.apiTotal)}${api ? ` (${api})` : ''}` +
    (Object.keys(p.counters).length > 0 ? `\n    service per call: ${counters}` : '')
  )
}

const range = (values: readonly number[], digits = 2, unit = ''): string => {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  return lo.toFixed(digits) === hi.toFixed(digits) ? `${lo.toFixed(digits)}${unit}` : `${lo.toFixed(digits)}–${hi.toFixed(digits)}${unit}`
}

/** host-local, the floor: IPAM from files, no API server; its own range in a temporary directory. */
const hostLocal = () => {
  if (!existsSync(HOST_LOCAL)) {
    throw new Error(`${HOST_LOCAL} is missing: install Debian's reference CNI plugins (apt-get install containernetworking-plugins)`)
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'spinneret-bench-host-local-'))
  const stdin = JSON.stringify({
    cniVersion: opts['cni-version'],
    name: 'bench-host-local',
    type: 'macvlan',
    ipam: { type: 'host-local', ranges: [[{ subnet: '198.18.144.0/21', gateway: '198.18.144.1' }]], dataDir },
  })
  // As a runtime calls it; IgnoreUnknown=1 as containerd sends it, so the pod keys do not fail it.
  const env = (command: 'ADD' | 'DEL', i: number): Record<string, string> => ({
    ...cniEnv(command, i, { namespace: 'bench', name: `p-${i}`, uid: `uid-${i}` }),
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=p-${i}`,
  })
  return {
    add: (i: number) => exec(HOST_LOCAL, env('ADD', i), stdin).then((r) => checked('host-local ADD', r)),
    del: (i: number) => exec(HOST_LOCAL, env('DEL', i), stdin).then((r) => checked('host-local DEL', r)),
    /** Addresses still held (host-local keeps one file per address). */
    held: () => readdirSync(join(dataDir, 'bench-host-local')).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)).length,
    close: () => rmSync(dataDir, { recursive: true, force: true }),
  }
}

/** The network config on the plugin's stdin. */
const netConf = (socketPath: string): string =>
  JSON.stringify({
    cniVersion: opts['cni-version'],
    name: 'bench',
    type: 'macvlan',
    // A failure's log lines beside the bench's other files, not in this machine's /var/log/spidernet.
    ipam: { type: 'spiderpool', ipam_unix_socket_path: socketPath, log_level: 'error', log_file_path: join(tmpdir(), 'spinneret-bench-cni.log') },
  })

/** A failed run still gives back what it took, so the shared control plane stays clean. */
const giveBack = async (allocated: ReadonlySet<number>, target: Target, binary: string, stdin: string): Promise<void> => {
  if (allocated.size === 0) return
  await target.terminate?.([...allocated]).catch(() => {})
  await inParallel([...allocated], concurrency, (i) => exec(binary, cniEnv('DEL', i, target.pod(i)), stdin))
}

const mainReal = async (): Promise<void> => {
  const loadBefore = load()
  const built = buildCni()
  const floor = hostLocal()
  const target = await realTarget()
  const stdin = netConf(target.socketPath)
  const allocated = new Set<number>()
  const add = (i: number) => {
    allocated.add(i)
    return exec(built.binary, cniEnv('ADD', i, target.pod(i)), stdin).then((r) => checked('ADD', r))
  }
  const del = (i: number) =>
    exec(built.binary, cniEnv('DEL', i, target.pod(i)), stdin).then((r) => {
      allocated.delete(i)
      return checked('DEL', r)
    })
  type Side = 'host-local' | 'spinneret'
  const results: Array<{ mode: 'concurrent' | 'serial'; verb: 'ADD' | 'DEL'; side: Side; phase: Phase }> = []
  try {
    out(`spinneret CNI plugin: ${built.binary}, ${(built.bytes / 1024 / 1024).toFixed(1)} MiB (bun ${built.bunVersion}); floor: ${HOST_LOCAL}`)
    await exec(built.binary, { CNI_COMMAND: 'VERSION' }, '') // page the binaries in, as on a node
    await exec(HOST_LOCAL, { CNI_COMMAND: 'VERSION' }, '')
    const cold = await withCpu(runs, { watched: {} }, () =>
      sequential(
        Array.from({ length: runs }, (_, i) => i),
        () => exec(built.binary, { CNI_COMMAND: 'VERSION' }, '').then((r) => checked('VERSION', r)),
      ),
    )
    out(`cold start, VERSION, ${runs} sequential runs: ${summary(cold.result.map((r) => r.ms))}; ${cold.cpu}`)
    await add(0) // warms the service up (its first pool round, claim check)
    await target.terminate?.([0])
    await del(0)

    for (let round = 0; round < rounds; round++) {
      const first = 1 + round * (total + serialCount)
      const modes = [
        { mode: 'concurrent' as const, calls: Array.from({ length: total }, (_, i) => first + i), inFlight: concurrency },
        { mode: 'serial' as const, calls: Array.from({ length: serialCount }, (_, i) => first + total + i), inFlight: 1 },
      ]
      // Interleaved: the order of the two plugins is swapped every round.
      const sides: Side[] = round % 2 === 0 ? ['host-local', 'spinneret'] : ['spinneret', 'host-local']
      for (const { mode, calls, inFlight } of modes) {
        for (const verb of ['ADD', 'DEL'] as const) {
          if (verb === 'DEL') await target.terminate?.(calls)
          for (const side of sides) {
            const once = side === 'host-local' ? (verb === 'ADD' ? floor.add : floor.del) : verb === 'ADD' ? add : del
            const phase = await measurePhase(calls.length, inFlight, target, once, calls)
            results.push({ mode, verb, side, phase })
            out(phaseLine(`round ${round + 1}, ${side} ${verb}`, calls.length, inFlight, phase))
          }
        }
      }
      const left = await target.poolState?.()
      if (!left || left.allocated !== 0 || left.records !== 0) throw new Error(`pool not empty after round ${round + 1}: ${JSON.stringify(left)}`)
      if (floor.held() !== 0) throw new Error(`host-local still holds ${floor.held()} addresses after round ${round + 1}`)
    }

    out('')
    out(`summary over ${rounds} round(s) (range over rounds; Spinneret as a ratio of host-local in the same round):`)
    for (const mode of ['concurrent', 'serial'] as const) {
      const count = mode === 'concurrent' ? total : serialCount
      const inFlight = mode === 'concurrent' ? concurrency : 1
      for (const verb of ['ADD', 'DEL'] as const) {
        const of = (side: Side) => results.filter((r) => r.mode === mode && r.verb === verb && r.side === side).map((r) => r.phase)
        const floorPhases = of('host-local')
        const ours = of('spinneret')
        const ratios = ours.map((p, i) => p.wallMs / (floorPhases[i]?.wallMs ?? NaN))
        const p50 = (ps: readonly Phase[]) => ps.map((p) => median(p.times))
        const cpu = (ps: readonly Phase[], key: string) =>
          range(
            ps.map((p) => p.cpu[key] ?? 0),
            1,
          )
        const goal = 1.35
        out(
          `  ${verb} ${count} pods, ${inFlight} in flight: host-local ${range(floorPhases.map((p) => p.wallMs / 1000))} s, ` +
            `Spinneret ${range(ours.map((p) => p.wallMs / 1000))} s: ratio ${range(ratios)}x (goal <= ${goal}x: ${Math.max(...ratios) <= goal ? 'met' : 'NOT met'}); ` +
            `p50 ${range(p50(floorPhases), 1)} / ${range(p50(ours), 1)} ms`,
        )
        out(
          `    CPU ms/call: host-local plugin ${cpu(floorPhases, 'plugin')}; Spinneret plugin ${cpu(ours, 'plugin')}, ` +
            `kube-apiserver ${cpu(ours, 'kube-apiserver')}, etcd ${cpu(ours, 'etcd')}, service ${cpu(ours, 'service')}; ` +
            `API server requests/call ${range(ours.map((p) => p.apiTotal))}`,
        )
      }
    }
    out(`load average before ${loadBefore}, after ${load()} (${cpus().length} cores)`)
  } finally {
    await giveBack(allocated, target, built.binary, stdin)
    await target.close()
    floor.close()
  }
}

const main = async (): Promise<void> => {
  const loadBefore = load()
  const built = buildCni()
  const target = targetKind === 'real' ? await realTarget() : targetKind === 'stub' ? await stubTarget() : socketTarget(opts.socket ?? '')
  const stdin = netConf(target.socketPath)
  const version = () => exec(built.binary, { CNI_COMMAND: 'VERSION' }, '').then((r) => checked('VERSION', r))
  const add = (i: number) => exec(built.binary, cniEnv('ADD', i, target.pod(i)), stdin).then((r) => checked('ADD', r))
  const del = (i: number) => exec(built.binary, cniEnv('DEL', i, target.pod(i)), stdin).then((r) => checked('DEL', r))
  let allocated = new Set<number>()
  try {
    const mib = (built.bytes / 1024 / 1024).toFixed(1)
    out(`spinneret CNI plugin: ${built.binary}`)
    out(`  bun ${built.bunVersion}, --compile --minify --bytecode --format=esm, ${Math.round(built.buildMs)} ms`)
    out(`  size ${mib} MiB (${built.bytes} bytes)`)
    await version() // page the binary in once: the figures are for a warm page cache, as on a node
    const cold = await withCpu(runs, { watched: {} }, () =>
      sequential(
        Array.from({ length: runs }, (_, i) => i),
        version,
      ),
    )
    out(`cold start, VERSION, ${runs} sequential runs: ${summary(cold.result.map((r) => r.ms))}; ${cold.cpu}`)

    // The real target: pod `total` warms the service up, the next `runs` are the sequential fresh
    // ADDs; pods 0..total-1 are the concurrent run's.
    const warm = target.real ? total : 0
    const seq = Array.from({ length: runs }, (_, i) => (target.real ? total + 1 + i : i))
    const taking = (i: number) => {
      if (target.real) allocated.add(i)
      return add(i)
    }
    await taking(warm)
    const trip = await withCpu(runs, target, () => sequential(seq, taking))
    const freshness = target.real ? `${runs} distinct pods, fresh allocations` : `${runs} sequential runs`
    out(`ADD round trip against ${target.label}, ${freshness}: ${summary(trip.result.map((r) => r.ms))}; ${trip.cpu}`)
    if (target.real) {
      await target.terminate?.([warm, ...seq])
      const back = await withCpu(runs + 1, target, () => sequential([warm, ...seq], del))
      allocated = new Set()
      out(`DEL round trip, the same ${runs + 1} pods: ${summary(back.result.map((r) => r.ms))}; ${back.cpu}`)
    }

    const bare = await withCpu(total, target, () => parallel(total, concurrency, version))
    out(
      lineFor(
        'VERSION',
        bare.result.wallMs,
        bare.result.runs.map((r) => r.ms),
        bare.cpu,
      ),
    )
    const adds = await withCpu(total, target, () => parallel(total, concurrency, taking))
    out(
      lineFor(
        `ADD against ${target.label}`,
        adds.result.wallMs,
        adds.result.runs.map((r) => r.ms),
        adds.cpu,
      ),
    )
    const wallRatio = adds.result.wallMs / bare.result.wallMs
    const medianRatio = median(adds.result.runs.map((r) => r.ms)) / median(bare.result.runs.map((r) => r.ms))
    out(
      `ratio ADD / VERSION at ${concurrency} in flight: wall ${wallRatio.toFixed(2)}x, per-call median ${medianRatio.toFixed(2)}x ` +
        `(target <= 1.5x: ${wallRatio <= 1.5 ? 'met' : 'NOT met'})`,
    )

    if (target.real) {
      const addresses = adds.result.runs.map((r) => (JSON.parse(r.stdout) as { ips: { address: string }[] }).ips[0]?.address)
      const distinct = new Set(addresses).size
      if (distinct !== total) throw new Error(`${total} ADDs gave ${distinct} distinct addresses`)
      await target.terminate?.(Array.from({ length: total }, (_, i) => i))
      const releases = await withCpu(total, target, () => parallel(total, concurrency, del))
      allocated = new Set()
      out(
        lineFor(
          'DEL',
          releases.result.wallMs,
          releases.result.runs.map((r) => r.ms),
          releases.cpu,
        ),
      )
      const left = await target.poolState?.()
      if (!left || left.allocated !== 0 || left.records !== 0) {
        throw new Error(`pool not empty after releasing everything: ${JSON.stringify(left)}`)
      }
      out(`released everything: ${total} distinct addresses handed out, pool back to 0 allocated, 0 records`)
    }
    out(`load average before ${loadBefore}, after ${load()} (${cpus().length} cores)`)
  } finally {
    await giveBack(allocated, target, built.binary, stdin)
    await target.close()
  }
}

await (targetKind === 'real' ? mainReal() : main())
