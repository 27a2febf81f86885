/**
 * A chaos run on the local cluster: Deployments scaled up and down and a StatefulSet restarted by
 * the real controllers, on pools that every service replica writes (the DaemonSet's, one per
 * node, and a third on the host), while faults are injected; then, once the workload has settled,
 * the invariants of invariants.ts are checked from the API.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { buildService } from '../build-service.ts'
import { clusterControlPlane, clusterKubeConfig, clusterNodes } from '../cluster/cluster.ts'
import { kubectl } from '../cluster/install.ts'
import { runInNode } from '../cluster/node.ts'
import { sleep } from '../control-plane/processes.ts'
import { parseAllocatedIPs, parseSpiderIPPool } from '../../shared/api/index.ts'
import { forceDelete, killLeader, killPluginsFor, killService, restartApiserver, restartEtcd, stopKubelet } from './faults.ts'
import { violations, type PodState, type RecordView, type Snapshot, type Violation } from './invariants.ts'

export interface ChaosSize {
  name: string
  /** Deployments, each scaled between 0 and maxReplicas. */
  deployments: number
  maxReplicas: number
  statefulSetReplicas: number
  /** How long the workload churns while faults are injected. */
  churnMs: number
  /** How long a kubelet stays stopped: longer than the node monitor's 40 s grace period. */
  kubeletDownMs: number
}

export const SIZES: Record<'ci' | 'large', ChaosSize> = {
  ci: { name: 'ci', deployments: 2, maxReplicas: 6, statefulSetReplicas: 3, churnMs: 100_000, kubeletDownMs: 50_000 },
  large: { name: 'large', deployments: 4, maxReplicas: 10, statefulSetReplicas: 5, churnMs: 360_000, kubeletDownMs: 60_000 },
}

export interface ChaosReport {
  size: string
  seed: number
  faults: Record<string, number>
  podsCreated: number
  /** Pods that got an address (ADDs that succeeded, retries aside). */
  allocations: number
  conflicts: number
  sandboxRetries: number
  leaks: { found: number; collected: number; maxCollectMs: number; maxStatefulSetTakeoverMs: number }
  settleMs: number
  violations: Violation[]
  durationMs: number
}

/** mulberry32: a small seeded generator, so a run's choices can be replayed with its seed. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const POOL_RANGES = { v4a: '198.18.6.40-198.18.6.99', v4b: '198.18.7.40-198.18.7.99' }

export async function runChaos(size: ChaosSize, seed: number, log: (line: string) => void): Promise<ChaosReport> {
  const t0 = Date.now()
  const rand = random(seed)
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T
  const kc = clusterKubeConfig()
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const nodes = clusterNodes().map((n) => n.name)
  const ns = `chaos-${seed.toString(36)}`
  const pools = [`${ns}-a`, `${ns}-b`]
  const faults: Record<string, number> = {}
  const fault = async (name: string, inject: () => Promise<string> | string) => {
    faults[name] = (faults[name] ?? 0) + 1
    log(`fault: ${await inject()}`)
  }

  await core.createNamespace({ body: { metadata: { name: ns } } })
  // Two pools every node may use, so every service replica writes both.
  for (const [name, ips, subnet] of [
    [pools[0]!, POOL_RANGES.v4a, '198.18.6.0/24'],
    [pools[1]!, POOL_RANGES.v4b, '198.18.7.0/24'],
  ] as const) {
    await custom.createClusterCustomObject({
      group: 'spiderpool.spidernet.io',
      version: 'v2beta1',
      plural: 'spiderippools',
      body: { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderIPPool', metadata: { name }, spec: { subnet, ips: [ips] } },
    })
  }
  const template = (app: string): k8s.V1PodTemplateSpec => ({
    metadata: { labels: { app, chaos: ns }, annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: pools }) } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
    },
  })
  const deployments = Array.from({ length: size.deployments }, (_, i) => `web-${i}`)
  for (const name of deployments) {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: template(name) } },
    })
  }
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'db' },
      spec: { replicas: size.statefulSetReplicas, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') },
    },
  })

  // A third replica of the service, on the host, beside the DaemonSet's two: it serves no node but
  // competes for the leader's Lease (the leader reconciles the pools and scans the whole cluster).
  let third = await startHostReplica(log)
  const killThird = async () => {
    third.child.kill('SIGKILL')
    third = await startHostReplica(log)
    return 'kill -9 of the host replica, started again'
  }

  // Every pod the run sees (and which got an address), and when each force-deleted pod's record
  // went: polled all along.
  const created = new Set<string>()
  const addressed = new Set<string>()
  const forced: Array<{ uid: string; at: number; statefulSet: boolean; collectedAt?: number }> = []
  let watching = true
  const watcher = (async () => {
    while (watching) {
      for (const p of (await core.listNamespacedPod({ namespace: ns }).catch(() => ({ items: [] as k8s.V1Pod[] }))).items) {
        created.add(p.metadata!.uid!)
        if (p.status?.podIP) addressed.add(p.metadata!.uid!)
      }
      if (forced.some((f) => f.collectedAt === undefined)) {
        const held = new Set((await snap(kc, ns, pools).catch(() => undefined))?.records.map((r) => r.podUid) ?? forced.map((f) => f.uid))
        for (const f of forced) if (f.collectedAt === undefined && !held.has(f.uid)) f.collectedAt = Date.now()
      }
      await sleep(500)
    }
  })()

  const scale = (name: string, replicas: number) =>
    apps
      .patchNamespacedDeploymentScale({ namespace: ns, name, body: { spec: { replicas } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))
      .catch(() => undefined)
  const podsOf = async () =>
    (await core.listNamespacedPod({ namespace: ns }).catch(() => ({ items: [] as k8s.V1Pod[] }))).items.filter((p) => !p.metadata?.deletionTimestamp)

  const forceSome = async (count: number, onNode?: string) => {
    const candidates = (await podsOf()).filter((p) => p.status?.podIP && (!onNode || p.spec?.nodeName === onNode))
    const victims = candidates.sort(() => rand() - 0.5).slice(0, count)
    for (const v of victims)
      forced.push({ uid: v.metadata!.uid!, at: Date.now(), statefulSet: v.metadata?.ownerReferences?.some((o) => o.kind === 'StatefulSet') ?? false })
    await fault('force-delete pods', () => forceDelete(core, victims))
  }

  // The schedule: churn all along; faults at fixed fractions of the run, in a seeded order of nodes.
  const churn = (async () => {
    const end = Date.now() + size.churnMs
    while (Date.now() < end) {
      const action = rand()
      if (action < 0.6) await scale(pick(deployments), Math.floor(rand() * (size.maxReplicas + 1)))
      else
        await core
          .deleteNamespacedPod({ namespace: ns, name: `db-${Math.floor(rand() * size.statefulSetReplicas)}`, gracePeriodSeconds: 1 })
          .catch(() => undefined)
      await sleep(1500 + rand() * 2500)
    }
  })()
  const injections = (async () => {
    const at = (fraction: number) => sleep(Math.max(0, t0 + fraction * size.churnMs - Date.now()))
    await at(0.05)
    // Plugins killed mid-request during a burst of new pods on one node.
    const burstNode = pick(nodes)
    for (const name of deployments) await scale(name, size.maxReplicas)
    const killed = await killPluginsFor(burstNode, 4000)
    faults['kill -9 of the CNI plugin mid-request'] = killed
    log(`fault: kill -9 of ${killed} CNI plugin process(es) in flight on ${burstNode}`)
    await at(0.15)
    await fault("kill -9 of a node's service", () => killService(pick(nodes)))
    await at(0.25)
    await forceSome(2)
    await at(0.3)
    await fault('restart of kube-apiserver', restartApiserver)
    await at(0.4)
    await fault('restart of etcd', restartEtcd)
    await at(0.42)
    await fault('kill -9 of the leader', () => killLeader(kc, killThird))
    await at(0.45)
    // A kubelet stopped past the node monitor's grace period; meanwhile its pods are force-deleted
    // (no kubelet will run their DEL) and the service on another node is killed mid-burst.
    const down = pick(nodes)
    const stopped = fault('a kubelet stopped past the grace period', () => stopKubelet(down, size.kubeletDownMs))
    await sleep(5000)
    await forceSome(2, down)
    for (const name of deployments) await scale(name, size.maxReplicas)
    await fault("kill -9 of a node's service", () => killService(pick(nodes.filter((n) => n !== down)) ?? down))
    await stopped
  })()
  await Promise.all([churn, injections])

  // Settle: final sizes, every pod Running, then the invariants as soon as they hold.
  log('settling: final replicas, waiting for every pod to run and every record to match')
  for (const name of deployments) await scale(name, Math.ceil(size.maxReplicas / 2))
  const settleStart = Date.now()
  let snapshot = await snap(kc, ns, pools)
  let found = violations(snapshot)
  const expected = deployments.length * Math.ceil(size.maxReplicas / 2) + size.statefulSetReplicas
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    const running = snapshot.pods.filter((p) => p.running && !p.terminating).length
    if (running === expected && snapshot.pods.length === expected && found.length === 0) break
    await sleep(1000)
    snapshot = await snap(kc, ns, pools)
    found = violations(snapshot)
  }
  const settleMs = Date.now() - settleStart
  watching = false
  await watcher
  const collected = forced.filter((f) => f.collectedAt !== undefined)
  const time = (f: (typeof forced)[number]) => f.collectedAt! - f.at
  const leaks = {
    found: forced.length,
    collected: collected.length,
    maxCollectMs: Math.max(0, ...collected.filter((f) => !f.statefulSet).map(time)),
    // A StatefulSet pod's address is kept for its successor (same ordinal), which takes it over.
    maxStatefulSetTakeoverMs: Math.max(0, ...collected.filter((f) => f.statefulSet).map(time)),
  }

  const metrics = await serviceMetrics(nodes, third.port)
  const sandboxRetries = snapshot.sandboxFailures.length
  log(`settled in ${(settleMs / 1000).toFixed(1)} s with ${found.length} violation(s)`)

  // Cleanup: the namespace (its pods' kubelets release their addresses), then the pools.
  await core.deleteNamespace({ name: ns })
  for (let i = 0; i < 240; i++) {
    if (!(await core.readNamespace({ name: ns }).catch(() => undefined))) break
    await sleep(500)
  }
  for (const pool of pools) await kubectl(['delete', 'spiderippool', pool, '--wait=true', '--timeout=60s']).catch((e: unknown) => log(`cleanup: ${String(e)}`))
  third.child.kill('SIGTERM')

  return {
    size: size.name,
    seed,
    faults,
    podsCreated: created.size,
    allocations: addressed.size,
    conflicts: metrics.conflicts,
    sandboxRetries,
    leaks,
    settleMs,
    violations: found,
    durationMs: Date.now() - t0,
  }
}

/** One snapshot of the pools, their records, the namespace's pods and its sandbox failures. */
async function snap(kc: k8s.KubeConfig, ns: string, poolNames: string[]): Promise<Snapshot> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const pools = await Promise.all(
    poolNames.map(async (name) =>
      parseSpiderIPPool(await custom.getClusterCustomObject({ group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools', name })),
    ),
  )
  const records: RecordView[] = pools.flatMap((pool) =>
    Object.entries(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name)).map(([ip, r]) => ({
      pool: pool.metadata.name,
      ip,
      pod: r.pod,
      podUid: r.podUid,
    })),
  )
  const pods: PodState[] = (await core.listNamespacedPod({ namespace: ns })).items.map((p) => ({
    key: `${ns}/${p.metadata?.name}`,
    uid: p.metadata?.uid ?? '',
    ...(p.status?.podIP ? { ip: p.status.podIP } : {}),
    running: p.status?.phase === 'Running',
    terminating: Boolean(p.metadata?.deletionTimestamp),
  }))
  const events = (await core.listNamespacedEvent({ namespace: ns })).items
  return {
    pools: pools.map((p) => ({
      name: p.metadata.name,
      records: Object.keys(parseAllocatedIPs(p.status.allocatedIPs, p.metadata.name)).length,
      allocatedIPCount: p.status.allocatedIPCount,
    })),
    records,
    pods,
    sandboxFailures: events.filter((e) => e.reason === 'FailedCreatePodSandBox').map((e) => e.message ?? ''),
  }
}

async function startHostReplica(log: (line: string) => void): Promise<{ child: ChildProcess; port: number }> {
  const bundle = await buildService()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spinneret-chaos-'))
  const kubeconfig = clusterControlPlane.kubeconfigPath
  const child = spawn(process.execPath, [bundle], {
    env: {
      ...process.env,
      KUBECONFIG: kubeconfig,
      IPAM_SOCKET: path.join(dir, 'ipam.sock'),
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      WEBHOOK_PORT: '0',
      RESYNC_SECONDS: '10',
      SERVICE_NAMESPACE: 'spinneret-system',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)))
  child.stderr?.on('data', (d) => (output = (output + d).slice(-20_000)))
  child.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  for (let i = 0; i < 100 && !/"msg":"ready"/.test(output); i++) await sleep(200)
  if (!/"msg":"ready"/.test(output)) throw new Error(`the host replica did not get ready:\n${output}`)
  log("a third service replica runs on the host (a candidate for the leader's Lease, resyncing every 10 s)")
  return { child, port: Number(/"msg":"metrics listening".*?"port":(\d+)/.exec(output)?.[1]) }
}

/** Write conflicts the service replicas counted (since each last started). */
async function serviceMetrics(nodes: string[], thirdPort: number): Promise<{ conflicts: number }> {
  const texts: string[] = [
    await fetch(`http://127.0.0.1:${thirdPort}/metrics`).then(
      (r) => r.text(),
      () => '',
    ),
  ]
  for (const node of nodes) {
    texts.push((await runInNode(node, 'curl', ['-s', '--max-time', '3', 'http://127.0.0.1:5711/metrics']).catch(() => ({ stdout: '' }))).stdout)
  }
  const sum = (pattern: RegExp) =>
    texts
      .flatMap((t) => t.split('\n'))
      .filter((line) => !line.startsWith('#') && pattern.test(line.split(' ')[0] ?? ''))
      .reduce((total, line) => total + (Number(line.split(' ').pop()) || 0), 0)
  return { conflicts: sum(/conflict[a-z_]*_total/) }
}
