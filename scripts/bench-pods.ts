/**
 * `npm run bench:pods [-- --rounds R] [--pods N]` (as root): real pod starts on the local cluster,
 * Spiderpool's published shape (100 Deployments x 10 replicas over 10 nodes, addresses exactly as
 * many as pods) scaled to this machine: N = 200 pods as 20 Deployments x 10 replicas over the 2
 * nodes, i.e. the same 100 pods a node. 200 is also what 2 kubelets hold (maxPods 110 each, minus
 * the service's DaemonSet pod) with room to spare; more would be the kubelets' limit, not IPAM.
 *
 * Each round creates every Deployment at once and times until all pods are Running, then deletes
 * them and times until every pod is gone and every address released. Two variants, interleaved in
 * the same run on the same cluster, same nodes, kubelets and macvlan:
 *   host-local  the floor: pods of the RuntimeClass `host-local`, whose containerd handler reads
 *               the node's floor network (scripts/cluster/node.ts: macvlan + reference host-local)
 *   spinneret   the node's default network (the seed's macvlan-conf, Spinneret as IPAM), one
 *               pool of exactly N addresses that both nodes share
 * "Released" is: host-local's lease files gone from each node's /var/lib/cni/networks/<net>;
 * Spinneret's pool without records.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import * as k8s from '@kubernetes/client-node'
import { clusterControlPlane, clusterKubeConfig, clusterNodes, up } from './cluster/cluster.ts'
import { installSpinneret } from './cluster/install.ts'
import { FLOOR_HANDLER, FLOOR_NETWORK, nodeRoot } from './cluster/node.ts'
import { livePid, sleep } from './control-plane/processes.ts'
import { parseAllocatedIPs, parseSpiderIPPool } from '../shared/api/index.ts'
import { cpuSecondsOf, formatTable, ratio } from './bench/figures.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '1' }, pods: { type: 'string', default: '200' } } })
const ROUNDS = Number(values.rounds)
const PODS = Number(values.pods)
const REPLICAS = 10
const DEPLOYMENTS = Math.ceil(PODS / REPLICAS)
const NS = 'bench-pods'
const POOL = 'bench-pods'
const TIMEOUT_MS = 15 * 60_000

const say = (line: string) => process.stderr.write(`[bench:pods] ${line}\n`)

type Variant = 'host-local' | 'spinneret'

interface Round {
  variant: Variant
  runningMs: number
  deletedMs: number
  releasedMs: number
  sandboxFailures: number
  cpu: Record<string, number>
}

/** 198.18.6.40 onwards: exactly `count` addresses, as Spiderpool's test limits IPs to pods. */
function poolRange(count: number): string {
  const last = 40 + count - 1
  if (last > 254 + 256) throw new Error(`--pods ${count}: the bench pool holds at most 470 addresses`)
  const ip = (n: number) => `198.18.${6 + Math.floor(n / 256)}.${n % 256}`
  return `${ip(40)}-${ip(last)}`
}

async function main(): Promise<void> {
  say(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${new Date().toISOString()}`)
  await up()
  await installSpinneret()
  const kc = clusterKubeConfig()
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const node = kc.makeApiClient(k8s.NodeV1Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const crd = { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools' }

  await core.createNamespace({ body: { metadata: { name: NS } } }).catch(ignore(409))
  await node.createRuntimeClass({ body: { metadata: { name: FLOOR_HANDLER }, handler: FLOOR_HANDLER } }).catch(ignore(409))
  await custom
    .createClusterCustomObject({
      ...crd,
      body: {
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        kind: 'SpiderIPPool',
        metadata: { name: POOL },
        spec: { subnet: '198.18.6.0/23', ips: [poolRange(PODS)] },
      },
    })
    .catch(ignore(409))

  const podsLeft = async () => (await core.listNamespacedPod({ namespace: NS })).items
  const poolRecords = async () => {
    const pool = parseSpiderIPPool(await custom.getClusterCustomObject({ ...crd, name: POOL }))
    return Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, POOL)).length
  }
  const hostLocalLeases = () =>
    clusterNodes().reduce((n, { name }) => {
      const dir = path.join(nodeRoot(name, '/var/lib/cni/networks'), FLOOR_NETWORK)
      return n + (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^[0-9a-f.:]+$/i.test(f)).length : 0)
    }, 0)
  const sandboxFailures = async (since: Date) =>
    (await core.listNamespacedEvent({ namespace: NS })).items
      .filter((e) => e.reason === 'FailedCreatePodSandBox' && new Date(e.lastTimestamp ?? e.eventTime ?? 0) >= since)
      .reduce((n, e) => n + (e.count ?? 1), 0)
  const processes = () => ({
    apiserver: livePid(clusterControlPlane.tracked('kube-apiserver')),
    etcd: livePid(clusterControlPlane.tracked('etcd')),
  })
  const cpuNow = () => Object.fromEntries(Object.entries(processes()).map(([k, pid]) => [k, pid === undefined ? 0 : cpuSecondsOf(pid)]))

  const waitFor = async (what: string, done: () => Promise<boolean>) => {
    const deadline = Date.now() + TIMEOUT_MS
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${TIMEOUT_MS / 60_000} min`)
      await sleep(250)
    }
  }

  const round = async (variant: Variant): Promise<Round> => {
    const since = new Date()
    const cpu0 = cpuNow()
    const template: k8s.V1PodTemplateSpec = {
      metadata: {
        labels: { bench: NS },
        ...(variant === 'spinneret' ? { annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [POOL] }) } } : {}),
      },
      spec: {
        ...(variant === 'host-local' ? { runtimeClassName: FLOOR_HANDLER } : {}),
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '86400'] }],
      },
    }
    const names = Array.from({ length: DEPLOYMENTS }, (_, i) => `${variant}-${i}`)
    const t0 = performance.now()
    await Promise.all(
      names.map((name, i) =>
        apps.createNamespacedDeployment({
          namespace: NS,
          body: {
            metadata: { name },
            spec: {
              replicas: Math.min(REPLICAS, PODS - i * REPLICAS),
              selector: { matchLabels: { app: name } },
              template: { ...template, metadata: { ...template.metadata, labels: { ...template.metadata?.labels, app: name } } },
            },
          },
        }),
      ),
    )
    await waitFor(`${variant}: ${PODS} pods Running`, async () => {
      const pods = await podsLeft()
      return pods.length === PODS && pods.every((p) => p.status?.phase === 'Running')
    })
    const runningMs = performance.now() - t0
    say(`${variant}: ${PODS} pods Running in ${(runningMs / 1000).toFixed(1)} s`)
    const failures = await sandboxFailures(since)

    const t1 = performance.now()
    await Promise.all(names.map((name) => apps.deleteNamespacedDeployment({ namespace: NS, name, propagationPolicy: 'Background' })))
    let deletedMs = 0
    await waitFor(`${variant}: pods deleted and addresses released`, async () => {
      if (deletedMs === 0 && (await podsLeft()).length === 0) deletedMs = performance.now() - t1
      return deletedMs > 0 && (variant === 'spinneret' ? (await poolRecords()) === 0 : hostLocalLeases() === 0)
    })
    const releasedMs = performance.now() - t1
    say(`${variant}: deleted in ${(deletedMs / 1000).toFixed(1)} s, addresses released in ${(releasedMs / 1000).toFixed(1)} s`)
    const cpu1 = cpuNow()
    return {
      variant,
      runningMs,
      deletedMs,
      releasedMs,
      sandboxFailures: failures,
      cpu: Object.fromEntries(Object.keys(cpu1).map((k) => [k, cpu1[k]! - cpu0[k]!])),
    }
  }

  const rounds: Round[] = []
  try {
    // The cluster settles (the service's DaemonSet just rolled out) before the first round.
    await sleep(5000)
    for (let r = 0; r < ROUNDS; r++) for (const variant of ['host-local', 'spinneret'] as const) rounds.push(await round(variant))
  } finally {
    for (const d of (await apps.listNamespacedDeployment({ namespace: NS })).items)
      await apps.deleteNamespacedDeployment({ namespace: NS, name: d.metadata!.name! }).catch(() => undefined)
    await waitFor('bench pods gone', async () => (await podsLeft()).length === 0).catch((e: unknown) => say(String(e)))
    await custom.deleteClusterCustomObject({ ...crd, name: POOL }).catch(() => undefined)
    await core.deleteNamespace({ name: NS }).catch(() => undefined)
    await node.deleteRuntimeClass({ name: FLOOR_HANDLER }).catch(() => undefined)
  }

  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  const rows = rounds.map((r) => [
    r.variant,
    sec(r.runningMs),
    sec(r.deletedMs),
    sec(r.releasedMs),
    String(r.sandboxFailures),
    `${r.cpu['apiserver']!.toFixed(1)} / ${r.cpu['etcd']!.toFixed(1)}`,
  ])
  console.log(
    `${PODS} pods (${DEPLOYMENTS} Deployments x ${REPLICAS}) over ${clusterNodes().length} nodes, ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
  )
  console.log(formatTable(['IPAM', 'create to all Running', 'delete to all gone', 'to addresses released', 'sandbox failures', 'CPU s apiserver / etcd'], rows))
  const mean = (v: Variant, k: 'runningMs' | 'releasedMs') => {
    const of = rounds.filter((r) => r.variant === v)
    return of.reduce((s, r) => s + r[k], 0) / of.length
  }
  console.log(
    `Spinneret / host-local: to Running ${ratio(mean('spinneret', 'runningMs'), mean('host-local', 'runningMs'))}, to released ${ratio(mean('spinneret', 'releasedMs'), mean('host-local', 'releasedMs'))} (goal <= 1.2x)`,
  )
}

const ignore = (code: number) => (e: unknown) => {
  if (!(e instanceof k8s.ApiException) || e.code !== code) throw e
}

try {
  await main()
  process.exit(0)
} catch (e) {
  console.error(`bench:pods: ${e instanceof Error ? e.stack : String(e)}`)
  process.exit(1)
}
