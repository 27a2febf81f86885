/**
 * `npm run bench:scale`: many services against one API server, as hollow nodes (each its own
 * NODE_NAME, its own socket, all candidates for one leader Lease, as the DaemonSet runs them), to
 * check the scale model (scripts/bench/scale-model.ts) against what the API server really sends.
 *
 * One pool is filled to BENCH_SCALE_RECORDS records (default 1,000), then at 1, 10, 25 and 50
 * services (BENCH_SCALE_SERVICES) it measures, from the API server's own metrics:
 *   - during BENCH_SCALE_ALLOCATIONS allocations (default 100, 10 in flight, each pod's ADD sent
 *     to its own node's service): requests, pool status writes, watch events and watch bytes per
 *     allocation, pool watch bytes apart, and the processes watching pools;
 *   - while idle for 10 s: the watch bytes a second (the leader Lease's renewals, to every replica).
 * The model's pool watch bytes per allocation (watchers x pool object x writes per allocation)
 * is printed beside the measured ones. It measures whatever the service watches: re-run it after
 * a change of what the service watches.
 */
import os from 'node:os'
import * as k8s from '@kubernetes/client-node'
import { ensureControlPlane } from '../test/support/control-plane.ts'
import { applyManifests, cleanUp, createNamespace, createNode, createPool, inParallel, kubeConfig, unique } from '../test/support/cluster.ts'
import { ipamBodyFor, ipamCall, startService, type RunningService } from '../test/support/service.ts'
import { sleep } from './control-plane/processes.ts'
import { apiserverMetrics, deleteEndpoints, getRaw, metricsDelta } from './bench/apiserver.ts'
import { bytes, formatTable, memoryOf, sumOf } from './bench/figures.ts'
import { allocationCost, MEASURED_DEFAULTS, leaseBytesPerSecond, project, relativeError } from './bench/scale-model.ts'

const RECORDS = Number(process.env.BENCH_SCALE_RECORDS ?? 1000)
const STEPS = (process.env.BENCH_SCALE_SERVICES ?? '1,10,25,50').split(',').map(Number)
const ALLOCATIONS = Number(process.env.BENCH_SCALE_ALLOCATIONS ?? 100)
const IN_FLIGHT = 10
const IDLE_MS = 10_000

/** Requests counted by the API server, watches aside (they are long-running, not per allocation). */
const requestsIn = (delta: ReadonlyMap<string, number>) =>
  [...delta].filter(([k]) => k.startsWith('apiserver_request_total{') && !k.includes('verb="WATCH"')).reduce((s, [, v]) => s + v, 0)

const say = (line: string) => process.stderr.write(`[bench:scale] ${line}\n`)

interface Step {
  services: number
  poolWatchers: number
  allWatches: number
  requestsPerAlloc: number
  poolWritesPerAlloc: number
  poolConflictsPerAlloc: number
  poolWatchEventsPerAlloc: number
  poolWatchBytesPerAlloc: number
  modelledPoolWatchBytes: number
  allWatchBytesPerAlloc: number
  idleWatchBytesPerSecond: number
  idleRequestsPerSecond: number
  modelledLeaseBytesPerSecond: number
  poolObjectBytes: number
  failed: number
  rssMeanMB: number
}

async function main(): Promise<void> {
  say(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${new Date().toISOString()}`)
  const { kubeconfigPath } = await ensureControlPlane()
  process.env.KUBECONFIG = kubeconfigPath
  const kc = kubeConfig()
  await applyManifests(kc, 'manifests/crds')
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const tag = unique('scale')
  const maxServices = Math.max(...STEPS)
  const nodes = Array.from({ length: maxServices }, (_, i) => `${tag}-node-${i}`)
  const namespace = tag
  const pool = `${tag}-pool`
  await createNamespace(kc, namespace)
  await inParallel(nodes, 10, (n) => createNode(kc, n, { bench: tag }))
  await createPool(kc, pool, { subnet: '198.18.0.0/16', ips: ['198.18.0.1-198.18.63.254'] })
  const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
  const makePods = (prefix: string, count: number, nodeOf: (i: number) => string) =>
    inParallel(
      Array.from({ length: count }, (_, i) => i),
      25,
      (i) =>
        core.createNamespacedPod({
          namespace,
          body: {
            metadata: { name: `${prefix}-${i.toString(36).padStart(5, '0')}`, annotations },
            spec: { nodeName: nodeOf(i), containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        }),
    )
  const body = (p: k8s.V1Pod) => ipamBodyFor(p, namespace)
  const poolObjectBytes = async () => (await getRaw(kc, `/apis/spiderpool.spidernet.io/v2beta1/spiderippools/${pool}`)).body.length

  // Every service candidate for one Lease, as the DaemonSet's replicas are.
  const env = (i: number) => ({ NODE_NAME: nodes[i]!, LEADER_LEASE_NAME: `${tag}-leader`, POD_NAME: `${tag}-svc-${i}` })
  const services: RunningService[] = []
  const steps: Step[] = []
  try {
    say(`filling the pool to ${RECORDS} records through the first service`)
    services.push(await startService(env(0)))
    const fill = await makePods('fill', RECORDS, () => nodes[0]!)
    const filled = await inParallel(fill, 50, (p) => ipamCall(services[0]!.socket, 'POST', '/v1/ipam/ip', body(p)))
    const fillFailed = filled.filter((a) => a.status !== 200)
    if (fillFailed.length > 0) throw new Error(`${fillFailed.length} fill allocations failed, first: ${JSON.stringify(fillFailed[0]!.body)}`)

    for (const count of STEPS) {
      while (services.length < count) {
        const batch = Array.from({ length: Math.min(5, count - services.length) }, (_, k) => services.length + k)
        services.push(...(await Promise.all(batch.map((i) => startService(env(i))))))
      }
      say(`${count} services ready; settling`)
      await sleep(3000)
      const pods = await makePods(`k${count}`, ALLOCATIONS, (i) => nodes[i % count]!)
      // Idle: what the API server sends with nothing allocated.
      const i0 = await apiserverMetrics(kc)
      await sleep(IDLE_MS)
      const idle = metricsDelta(i0, await apiserverMetrics(kc))
      // Allocations, each on its own node's service.
      const bytesBefore = await poolObjectBytes()
      const m0 = await apiserverMetrics(kc)
      const answers = await inParallel(pods, IN_FLIGHT, (p, i) => ipamCall(services[i % count]!.socket, 'POST', '/v1/ipam/ip', body(p)))
      const after = await apiserverMetrics(kc)
      const d = metricsDelta(m0, after)
      const ok = answers.filter((a) => a.status === 200).length
      // The pool grows while measured: its mean size is what each event carried on average.
      const objectBytes = (bytesBefore + (await poolObjectBytes())) / 2
      const poolWatchers = sumOf(after, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'spiderippools' })
      // Writes that were stored (a 409 sends no event); the conflicts apart.
      const poolWrites = sumOf(d, 'apiserver_request_total', { resource: 'spiderippools', subresource: 'status', verb: 'PUT', code: '200' }) / ok
      const poolConflicts = sumOf(d, 'apiserver_request_total', { resource: 'spiderippools', subresource: 'status', verb: 'PUT', code: '409' }) / ok
      const requests = requestsIn(d)
      steps.push({
        services: count,
        poolWatchers,
        allWatches: sumOf(after, 'apiserver_longrunning_requests', { verb: 'WATCH' }),
        requestsPerAlloc: requests / ok,
        poolWritesPerAlloc: poolWrites,
        poolConflictsPerAlloc: poolConflicts,
        poolWatchEventsPerAlloc: sumOf(d, 'apiserver_watch_events_total', { resource: 'spiderippools' }) / ok,
        poolWatchBytesPerAlloc: sumOf(d, 'apiserver_watch_events_sizes_sum', { resource: 'spiderippools' }) / ok,
        modelledPoolWatchBytes: allocationCost(
          { nodes: count, records: RECORDS, poolWatchers, perWrite: 1 / poolWrites },
          { ...MEASURED_DEFAULTS, fixedBytes: objectBytes, bytesPerRecord: 0 },
        ).poolWatchBytes,
        allWatchBytesPerAlloc: sumOf(d, 'apiserver_watch_events_sizes_sum') / ok,
        idleWatchBytesPerSecond: sumOf(idle, 'apiserver_watch_events_sizes_sum') / (IDLE_MS / 1000),
        idleRequestsPerSecond: requestsIn(idle) / (IDLE_MS / 1000),
        modelledLeaseBytesPerSecond: 0,
        poolObjectBytes: objectBytes,
        failed: answers.length - ok,
        rssMeanMB: services.reduce((s, svc) => s + memoryOf(svc.process.pid!).rss, 0) / services.length / 1e6,
      })
      const leaseEvent =
        sumOf(idle, 'apiserver_watch_events_sizes_sum', { resource: 'leases' }) /
        Math.max(1, sumOf(idle, 'apiserver_watch_events_total', { resource: 'leases' }))
      steps.at(-1)!.modelledLeaseBytesPerSecond = leaseBytesPerSecond(count, { ...MEASURED_DEFAULTS, leaseBytes: leaseEvent })
      say(`${count} services: ${JSON.stringify(steps.at(-1))}`)
    }
  } finally {
    await Promise.all(services.map((s) => s.stop()))
    await cleanUp(kc, { namespace, pools: [pool], nodes })
    await deleteEndpoints(kc, namespace)
  }

  const f = (x: number, d = 2) => x.toFixed(d)
  console.log(
    `npm run bench:scale, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (shared with other work): one pool of ~${RECORDS} records, ${ALLOCATIONS} allocations per step, ${IN_FLIGHT} in flight, spread over the services`,
  )
  console.log(
    formatTable(
      [
        'services',
        'pool watchers',
        'all watches',
        'requests/alloc',
        'pool writes/alloc',
        '409s/alloc',
        'pool watch events/alloc',
        'pool watch bytes/alloc',
        'model',
        'error',
        'all watch bytes/alloc',
        'idle watch bytes/s',
        'model (lease)',
        'idle requests/s',
        'service RSS mean',
        'failed',
      ],
      steps.map((s) => [
        String(s.services),
        String(s.poolWatchers),
        String(s.allWatches),
        f(s.requestsPerAlloc),
        f(s.poolWritesPerAlloc),
        f(s.poolConflictsPerAlloc),
        f(s.poolWatchEventsPerAlloc),
        bytes(s.poolWatchBytesPerAlloc),
        bytes(s.modelledPoolWatchBytes),
        `${(relativeError(s.poolWatchBytesPerAlloc, s.modelledPoolWatchBytes) * 100).toFixed(0)} %`,
        bytes(s.allWatchBytesPerAlloc),
        bytes(s.idleWatchBytesPerSecond),
        bytes(s.modelledLeaseBytesPerSecond),
        f(s.idleRequestsPerSecond, 1),
        `${f(s.rssMeanMB, 0)} MB`,
        String(s.failed),
      ]),
    ),
  )
  const [first, last] = [steps[0]!, steps.at(-1)!]
  console.log(
    `from ${first.services} to ${last.services} services: pool watch bytes per allocation x${f(last.poolWatchBytesPerAlloc / first.poolWatchBytesPerAlloc)}, ` +
      `all watch bytes per allocation x${f(last.allWatchBytesPerAlloc / first.allWatchBytesPerAlloc)}, requests per allocation x${f(last.requestsPerAlloc / first.requestsPerAlloc)}`,
  )
  // The model at the scale: 5,000 nodes, 150,000 pods (all started again: 150,000 ADDs).
  console.log("\nthe model at 5,000 nodes and 150,000 allocations (pool bytes the API server sends: the round's read plus the watch events)")
  console.log(
    formatTable(
      ['pool watchers', 'records per pool', 'allocations per write', 'bytes/alloc', 'for 150,000 allocations'],
      project({ nodes: 5000, allocations: 150_000, records: [100, 1000, 5000], perWrite: [1, 4] }).map((r) => [
        r.poolWatchers === 1 ? '1 (the leader)' : `${r.poolWatchers} (every node)`,
        String(r.records),
        String(r.perWrite),
        bytes(r.bytesOutPerAlloc),
        bytes(r.bytesOutTotal),
      ]),
    ),
  )
}

try {
  await main()
  process.exit(0)
} catch (e) {
  console.error(`bench:scale: ${e instanceof Error ? e.stack : String(e)}`)
  process.exit(1)
}
