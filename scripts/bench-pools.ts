/**
 * `npm run bench:pools`: what a big pool costs. A pool's status is one JSON string, so every
 * status write carries every record. Against the real service and the real API server + etcd of
 * the integration tests (scripts/control-plane), for IPv4 and IPv6 pools:
 *
 *   cost per allocation (wall, and CPU of the API server, etcd and the service) at 100, 1,000 and
 *   5,000 records in the pool, at 1 and at 50 requests in flight; the goal is that at 50 in
 *   flight 5,000 records cost <= 3x what 100 do. The pool is filled (untimed) to just under each
 *   size and the measured allocations straddle it, so the mean size while measuring is the size.
 *   the pool object's bytes per record (as the API server sends it, and as etcd stores it: CRDs
 *   are stored as JSON), and the largest pool under etcd's request limit (read from etcd's
 *   command line, else its 1.5 MiB default), checked by writing a status just under and just
 *   over it.
 *   the service's RSS per 10,000 records: a fresh service started with both pools full, against
 *   a fresh one started with them empty (the leader lists and watches every pool).
 *
 * Pods are named as a Deployment's are (`web-<10>-<5>`, in a namespace of 15 characters), so records
 * are the size they are on a cluster. BENCH_POOL_SIZES, BENCH_POOL_SAMPLES_1, BENCH_POOL_SAMPLES_50
 * override the sizes and the allocations measured per size.
 */
import { readFileSync } from 'node:fs'
import os from 'node:os'
import * as k8s from '@kubernetes/client-node'
import { ensureControlPlane } from '../test/support/control-plane.ts'
import { applyManifests, cleanUp, createNamespace, createNode, createPool, inParallel, kubeConfig, unique } from '../test/support/cluster.ts'
import { ipamBodyFor, ipamCall, startService, type RunningService } from '../test/support/service.ts'
import { testControlPlane } from './control-plane/control-plane.ts'
import { livePid, sleep } from './control-plane/processes.ts'
import { parseAllocatedIPs, serializeAllocatedIPs } from '../shared/api/index.ts'
import { apiserverMetrics, deleteEndpoints, getRaw, metricsDelta } from './bench/apiserver.ts'
import { bytes, cpuSecondsOf, formatTable, memoryOf, parsePrometheus, percentile, ratio, sumOf } from './bench/figures.ts'
import { fitPoolSize, largestPool } from './bench/scale-model.ts'

const SIZES = (process.env.BENCH_POOL_SIZES ?? '100,1000,5000').split(',').map(Number)
const SAMPLES_1 = Number(process.env.BENCH_POOL_SAMPLES_1 ?? 20)
const SAMPLES_50 = Number(process.env.BENCH_POOL_SAMPLES_50 ?? 200)
const IN_FLIGHT = 50
const NODES = 2
const ETCD_DEFAULT_LIMIT = 1.5 * 1024 * 1024

const say = (line: string) => process.stderr.write(`[bench:pools] ${line}\n`)

const { kubeconfigPath } = await ensureControlPlane()
process.env.KUBECONFIG = kubeconfigPath
const kc = kubeConfig()
await applyManifests(kc, 'manifests/crds')
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const core = kc.makeApiClient(k8s.CoreV1Api)
const crd = { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools' }

const pid = (b: 'kube-apiserver' | 'etcd') => {
  const p = livePid(testControlPlane.tracked(b))
  if (p === undefined) throw new Error(`${b} of the test control plane is not running`)
  return p
}
const cpu = (service: RunningService) => ({
  apiserver: cpuSecondsOf(pid('kube-apiserver')),
  etcd: cpuSecondsOf(pid('etcd')),
  service: cpuSecondsOf(service.process.pid!),
})

/** etcd's --max-request-bytes as the control plane started it, else etcd's default. */
function etcdRequestLimit(): { bytes: number; source: string } {
  const args = readFileSync(`/proc/${pid('etcd')}/cmdline`, 'utf8').split('\0')
  const flag = args.find((a) => a.startsWith('--max-request-bytes='))
  return flag
    ? { bytes: Number(flag.split('=')[1]), source: 'etcd --max-request-bytes' }
    : { bytes: ETCD_DEFAULT_LIMIT, source: "etcd's default (scripts/control-plane sets no --max-request-bytes)" }
}

interface Family {
  name: 'IPv4' | 'IPv6'
  subnet: string
  ips: string
  /** An address of the family by index, for the records of the limit check. */
  address: (i: number) => string
}
const FAMILIES: Family[] = [
  { name: 'IPv4', subnet: '198.18.0.0/16', ips: '198.18.0.1-198.18.63.254', address: (i) => `198.18.${Math.floor(i / 256) % 256}.${i % 256}` },
  { name: 'IPv6', subnet: 'fd00:18:6::/64', ips: 'fd00:18:6::1000-fd00:18:6::ffff', address: (i) => `fd00:18:6::${(0x1000 + i).toString(16)}` },
]

const podName = (i: number) => `web-7d9f8b6c5d-${i.toString(36).padStart(5, '0')}`

interface Segment {
  family: string
  records: number
  inFlight: number
  allocations: number
  failed: number
  wallMsPerAlloc: number
  p50: number
  cpuMs: { apiserver: number; etcd: number; service: number }
  poolWrites: number
  poolWatchBytes: number
  poolBytesRead: number
}

/** The pool object as the API server sends it, and its records. */
async function poolBytes(name: string): Promise<{ objectBytes: number; records: number; statusStringBytes: number }> {
  const { status, body } = await getRaw(kc, `/apis/spiderpool.spidernet.io/v2beta1/spiderippools/${name}`)
  if (status !== 200) throw new Error(`GET pool ${name}: ${status}`)
  const pool = JSON.parse(body.toString()) as { status?: { allocatedIPs?: string } }
  return {
    objectBytes: body.length,
    records: Object.keys(parseAllocatedIPs(pool.status?.allocatedIPs, name)).length,
    statusStringBytes: JSON.stringify(pool.status?.allocatedIPs ?? '').length,
  }
}

async function main(): Promise<void> {
  say(`machine: ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${new Date().toISOString()}`)
  const maxSize = Math.max(...SIZES)
  const half = Math.floor(SAMPLES_50 / 2)
  const needed = maxSize - half + SAMPLES_50 + SAMPLES_1
  const tag = unique('pools')
  const nodes = Array.from({ length: NODES }, (_, n) => `${tag}-node-${n}`)
  for (const n of nodes) await createNode(kc, n, { bench: tag })

  // The memory of a fresh service (the leader of its own Lease: it lists and watches every pool,
  // and scans the cluster for leaks at once), settled 5 s: the median of 3, RSS and JS heap in use.
  const memoryOfFresh = async () => {
    const samples: { rss: number; heap: number }[] = []
    for (let i = 0; i < 3; i++) {
      const s = await startService({ NODE_NAME: nodes[0]! })
      await sleep(5000)
      const port = /"metrics listening".*?"port":(\d+)/.exec(s.output())?.[1]
      const metrics = port ? parsePrometheus(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()) : new Map<string, number>()
      samples.push({ rss: memoryOf(s.process.pid!).rss, heap: sumOf(metrics, 'nodejs_heap_size_used_bytes') })
      await s.stop()
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!
    return { rss: median(samples.map((x) => x.rss)), heap: median(samples.map((x) => x.heap)) }
  }
  const memoryEmpty = await memoryOfFresh()

  const segments: Segment[] = []
  const sizePoints: Record<string, { records: number; bytes: number; statusStringBytes: number }[]> = {}
  const made: { namespace: string; pool: string }[] = []
  const service = await startService({ NODE_NAME: nodes[0]! })
  try {
    for (const family of FAMILIES) {
      const namespace = `${tag}-${family.name === 'IPv4' ? 'v4' : 'v6'}`
      const pool = `${namespace}-pool`
      made.push({ namespace, pool })
      await createNamespace(kc, namespace)
      await createPool(kc, pool, { subnet: family.subnet, ips: [family.ips] })
      const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify(family.name === 'IPv4' ? { ipv4: [pool] } : { ipv6: [pool] }) }
      say(`${family.name}: creating ${needed} pods`)
      const pods = await inParallel(
        Array.from({ length: needed }, (_, i) => i),
        25,
        (i) =>
          core.createNamespacedPod({
            namespace,
            body: { metadata: { name: podName(i), annotations }, spec: { nodeName: nodes[i % NODES]!, containers: [{ name: 'c', image: 'busybox:1.36' }] } },
          }),
      )
      const body = (p: k8s.V1Pod) => ipamBodyFor(p, namespace)
      let next = 0
      const allocate = async (count: number, inFlight: number) => {
        const batch = pods.slice(next, next + count)
        next += count
        const latencies: number[] = []
        const answers = await inParallel(batch, inFlight, async (p) => {
          const t = performance.now()
          const a = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', body(p))
          latencies.push(performance.now() - t)
          return a
        })
        const failed = answers.filter((a) => a.status !== 200)
        if (failed.length > 0) say(`${failed.length} of ${count} allocations failed, first: ${JSON.stringify(failed[0]!.body)}`)
        return { failed: failed.length, latencies: latencies.sort((a, b) => a - b) }
      }
      const empty = await poolBytes(pool)
      sizePoints[family.name] = [{ records: empty.records, bytes: empty.objectBytes, statusStringBytes: empty.statusStringBytes }]

      for (const size of SIZES) {
        // Fill to just under the size: the allocations measured at 50 in flight straddle it (its
        // mean is the size), then those at 1 in flight follow.
        const fill = Math.max(0, size - half) - next
        if (fill > 0) {
          say(`${family.name}: filling the pool to ${size - half} records`)
          await allocate(fill, IN_FLIGHT)
        }
        for (const [count, inFlight] of [
          [SAMPLES_50, IN_FLIGHT],
          [SAMPLES_1, 1],
        ] as const) {
          const recordsBefore = next
          const m0 = await apiserverMetrics(kc)
          const c0 = cpu(service)
          const t0 = performance.now()
          const { failed, latencies } = await allocate(count, inFlight)
          const wall = performance.now() - t0
          const c1 = cpu(service)
          const d = metricsDelta(m0, await apiserverMetrics(kc))
          const ok = count - failed
          const per = (x: number) => (x / ok) * 1000
          segments.push({
            family: family.name,
            records: Math.round((recordsBefore + next) / 2),
            inFlight,
            allocations: ok,
            failed,
            wallMsPerAlloc: wall / ok,
            p50: percentile(latencies, 50),
            cpuMs: { apiserver: per(c1.apiserver - c0.apiserver), etcd: per(c1.etcd - c0.etcd), service: per(c1.service - c0.service) },
            poolWrites: sumOf(d, 'apiserver_request_total', { resource: 'spiderippools', subresource: 'status', verb: 'PUT', code: '200' }) / ok,
            poolWatchBytes: sumOf(d, 'apiserver_watch_events_sizes_sum', { resource: 'spiderippools' }) / ok,
            poolBytesRead: sumOf(d, 'apiserver_response_sizes_sum', { resource: 'spiderippools', verb: 'GET' }) / ok,
          })
          say(`${family.name} ~${segments.at(-1)!.records} records, ${inFlight} in flight: ${(wall / ok).toFixed(1)} ms/alloc`)
        }
        const b = await poolBytes(pool)
        sizePoints[family.name]!.push({ records: b.records, bytes: b.objectBytes, statusStringBytes: b.statusStringBytes })
      }
    }
  } finally {
    await service.stop()
  }
  const records = (await Promise.all(made.map(({ pool }) => poolBytes(pool)))).reduce((s, b) => s + b.records, 0)
  const memoryFull = await memoryOfFresh()

  // The limit: a status of N records (shaped as the bench's) just under it is stored, just over
  // it is refused. Written straight to the status (no service runs now: nobody collects them).
  const limit = etcdRequestLimit()
  const limitChecks: string[] = []
  const fits: Record<string, { fixedBytes: number; bytesPerRecord: number; largest: number }> = {}
  for (const family of FAMILIES) {
    const fit = fitPoolSize(sizePoints[family.name]!.map((p) => ({ records: p.records, bytes: p.bytes })))
    const largest = largestPool(limit.bytes, fit)
    fits[family.name] = { ...fit, largest }
    const probe = `${tag}-limit-${family.name === 'IPv4' ? 'v4' : 'v6'}`
    await createPool(kc, probe, {
      subnet: family.name === 'IPv4' ? '10.0.0.0/8' : 'fd00:19::/64',
      ips: [family.name === 'IPv4' ? '10.0.0.1-10.255.255.254' : 'fd00:19::1-fd00:19::ffff:ffff'],
    })
    for (const n of [Math.floor(largest * 0.98), Math.ceil(largest * 1.02)]) {
      const recordsOf = Object.fromEntries(
        Array.from({ length: n }, (_, i) => [
          family.name === 'IPv4' ? `10.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}` : `fd00:19::${(0x10000 + i).toString(16)}`,
          { pod: `${tag}-v4/${podName(i)}`, podUid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}` },
        ]),
      )
      const current = (await custom.getClusterCustomObject({ ...crd, name: probe })) as { metadata: { resourceVersion: string } }
      const outcome = await custom
        .replaceClusterCustomObjectStatus({
          ...crd,
          name: probe,
          body: { ...current, status: { allocatedIPs: serializeAllocatedIPs(recordsOf), allocatedIPCount: n } },
        })
        .then(async () => `stored (object ${bytes((await poolBytes(probe)).objectBytes)})`)
        .catch(
          (e: unknown) =>
            `refused: ${(e instanceof k8s.ApiException ? String(e.body) : String(e)).match(/"message":"([^"]{0,120})/)?.[1] ?? String(e).slice(0, 120)}`,
        )
      limitChecks.push(`${family.name}, ${n} records: ${outcome}`)
    }
    made.push({ namespace: '', pool: probe })
  }

  for (const { namespace, pool } of made) {
    await cleanUp(kc, { ...(namespace ? { namespace } : {}), pools: [pool] })
    if (namespace) await deleteEndpoints(kc, namespace)
  }
  await cleanUp(kc, { nodes })

  // The figures.
  const f1 = (x: number) => x.toFixed(1)
  console.log(
    `npm run bench:pools, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (shared with other work), load ${os.loadavg()[0]!.toFixed(1)}`,
  )
  console.log(
    formatTable(
      [
        'family',
        'records',
        'in flight',
        'ms/alloc wall',
        'p50 ms',
        'CPU ms/alloc apiserver',
        'etcd',
        'service',
        'pool writes/alloc',
        'pool watch bytes/alloc',
        'failed',
      ],
      segments.map((s) => [
        s.family,
        String(s.records),
        String(s.inFlight),
        f1(s.wallMsPerAlloc),
        f1(s.p50),
        f1(s.cpuMs.apiserver),
        f1(s.cpuMs.etcd),
        f1(s.cpuMs.service),
        s.poolWrites.toFixed(2),
        bytes(s.poolWatchBytes),
        String(s.failed),
      ]),
    ),
  )
  for (const family of FAMILIES) {
    for (const inFlight of [1, IN_FLIGHT]) {
      const at = (size: number) =>
        segments
          .filter((s) => s.family === family.name && s.inFlight === inFlight)
          .reduce((best, s) => (Math.abs(s.records - size) < Math.abs(best.records - size) ? s : best))
      const [lo, hi] = [at(Math.min(...SIZES)), at(Math.max(...SIZES))]
      const wall = hi.wallMsPerAlloc / lo.wallMsPerAlloc
      const api = hi.cpuMs.apiserver / lo.cpuMs.apiserver
      const goal = inFlight === IN_FLIGHT ? ` (goal <= 3x: ${wall <= 3 && api <= 3 ? 'met' : 'NOT met'})` : ''
      console.log(
        `${family.name}, ${inFlight} in flight: ${hi.records} records cost ${ratio(hi.wallMsPerAlloc, lo.wallMsPerAlloc)} the wall time and ${ratio(hi.cpuMs.apiserver, lo.cpuMs.apiserver)} the API server CPU of ${lo.records}${goal}`,
      )
    }
  }
  for (const family of FAMILIES) {
    const fit = fits[family.name]!
    const points = sizePoints[family.name]!
    const last = points.at(-1)!
    console.log(
      `${family.name} pool object: ${f1(fit.bytesPerRecord)} bytes per record + ${Math.round(fit.fixedBytes)} fixed (allocatedIPs alone ${f1(last.statusStringBytes / last.records)} bytes a record as stored, escaped); ` +
        `at ${points.map((p) => `${p.records}: ${bytes(p.bytes)}`).join(', ')}; largest pool under ${bytes(limit.bytes)} (${limit.source}): ${fit.largest} records`,
    )
  }
  for (const line of limitChecks) console.log(`limit check: ${line}`)
  const per10k = (full: number, empty: number) => bytes(((full - empty) / records) * 10_000)
  console.log(
    `service memory, fresh and settled 5 s (median of 3): RSS ${bytes(memoryEmpty.rss)} with no records, ${bytes(memoryFull.rss)} with ${records} records (and their pods and endpoints): ${per10k(memoryFull.rss, memoryEmpty.rss)} per 10,000 records; ` +
      `JS heap in use ${bytes(memoryEmpty.heap)} and ${bytes(memoryFull.heap)}: ${per10k(memoryFull.heap, memoryEmpty.heap)} per 10,000 records`,
  )
}

try {
  await main()
  process.exit(0)
} catch (e) {
  console.error(`bench:pools: ${e instanceof Error ? e.stack : String(e)}`)
  process.exit(1)
}
