// `npm run bench`: allocation throughput through the real service and API server.
// 1,000 pods on 10 nodes in 2 zones, one pool per zone sized 1:1 with its pods, 50 requests in
// flight over the unix socket; group commit on and off in the same run, then release all.
import { readFileSync } from 'node:fs'
import { ensureControlPlane } from '../test/support/control-plane.ts'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  createPool,
  inParallel,
  kubeConfig,
  poolRecords,
  readPool,
  terminatePod,
  unique,
} from '../test/support/cluster.ts'
import { ipamBodyFor, ipamCall, startService } from '../test/support/service.ts'

const PODS = Number(process.env.BENCH_PODS ?? 1000)
const IN_FLIGHT = 50
const NODES = 10

const { kubeconfigPath } = await ensureControlPlane()
process.env.KUBECONFIG = kubeconfigPath
const kc = kubeConfig()
await applyManifests(kc, 'manifests/crds')

// CPU seconds a process has used (utime + stime), to show where the time of a run goes.
const cpuSeconds = (pid: number | undefined): number => {
  if (!pid) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}
const planePid = (name: string) => Number(readFileSync(`.cache/control-plane/run/${name}.pid`, 'utf8').trim())
const cpuNow = (servicePid: number | undefined) => ({
  service: cpuSeconds(servicePid),
  apiserver: cpuSeconds(planePid('kube-apiserver')),
  etcd: cpuSeconds(planePid('etcd')),
  bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
})

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

async function scenario(groupCommit: boolean) {
  const tag = unique(groupCommit ? 'gc' : 'nogc')
  const ns = tag
  await createNamespace(kc, ns)
  const zones = ['a', 'b'].map((z) => `${tag}-${z}`)
  for (let n = 0; n < NODES; n++) await createNode(kc, `${tag}-node-${n}`, { zone: zones[n % 2]! })
  const perZone = PODS / 2
  const pools = zones.map((z) => `${z}-pool`)
  for (const [i, z] of zones.entries()) {
    const third = 18 + i // 198.18.x / 198.19.x
    const last = perZone - 1
    await createPool(kc, pools[i]!, {
      subnet: `198.${third}.0.0/16`,
      ips: [`198.${third}.0.0-198.${third}.${Math.floor(last / 256)}.${last % 256}`],
      nodeAffinity: { matchLabels: { zone: z } },
    })
  }
  const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: pools }) }
  const pods = await inParallel(
    Array.from({ length: PODS }, (_, i) => i),
    25,
    (i) => createPod(kc, { namespace: ns, name: `p-${i}`, nodeName: `${tag}-node-${i % NODES}`, annotations }),
  )
  const service = await startService({ GROUP_COMMIT: String(groupCommit) })
  const body = (p: (typeof pods)[number]) => ipamBodyFor(p, ns)
  const metrics = async () => {
    const text = await (await fetch(`http://127.0.0.1:${opsPort(service.output())}/metrics`)).text()
    return Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split(' '))
        .map(([k, v]) => [k, Number(v)]),
    )
  }
  const before = await metrics()
  const cpuBefore = cpuNow(service.process.pid)
  const latencies: number[] = []
  const started = performance.now()
  const answers = await inParallel(pods, IN_FLIGHT, async (p) => {
    const t = performance.now()
    const answer = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', body(p))
    latencies.push(performance.now() - t)
    return answer
  })
  const seconds = (performance.now() - started) / 1000
  const cpuAfter = cpuNow(service.process.pid)
  const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, v - cpuBefore[k as keyof typeof cpuBefore]]))
  const after = await metrics()
  const heapMB = (after['nodejs_heap_size_used_bytes'] ?? 0) / 1e6
  const heapTotalMB = (after['nodejs_heap_size_total_bytes'] ?? 0) / 1e6
  const failed = answers.filter((a) => a.status !== 200)
  const ips = answers.filter((a) => a.status === 200).map((a) => a.body.ips[0].address)
  const procStatus = readFileSync(`/proc/${service.process.pid}/status`, 'utf8')
  const rss = Number(procStatus.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  // The peak since the service started: what its memory limit has to allow.
  const peakRss = Number(procStatus.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024
  const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0)
  latencies.sort((x, y) => x - y)

  // A runtime sends DEL once the pod is terminating (a DEL while it lives on keeps its address
  // for its next sandbox, as in Spiderpool). Not timed: that is the API server's work.
  await inParallel(pods, 25, (p) => terminatePod(kc, ns, p.metadata?.name ?? ''))
  // A DEL answered "try again later" (CNI code 11) is retried by the runtime; so does the bench,
  // so that records left after release count leaks, not unretried refusals.
  let releaseRetries = 0
  const releaseStart = performance.now()
  await inParallel(pods, IN_FLIGHT, async (p) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', body(p))
      if (answer.status === 200 || attempt === 20) return answer
      releaseRetries++
    }
  })
  const releaseSeconds = (performance.now() - releaseStart) / 1000
  let left = 0
  for (const name of pools) left += Object.keys(poolRecords(await readPool(kc, name))).length
  await service.stop()
  await cleanUp(kc, { namespace: ns, pools, nodes: Array.from({ length: NODES }, (_, n) => `${tag}-node-${n}`) })
  return {
    mode: groupCommit ? 'group commit' : 'one write per request',
    allocations: ips.length,
    failed: failed.length,
    duplicates: ips.length - new Set(ips).size,
    perSecond: ips.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    poolWritesPerAlloc: d('spinneret_pool_writer_writes_total') / PODS,
    apiWritesPerAlloc: d('spinneret_kube_api_writes_total') / PODS,
    apiReadsPerAlloc: d('spinneret_kube_api_reads_total') / PODS,
    conflicts: d('spinneret_kube_api_conflicts_total'),
    releasePerSecond: PODS / releaseSeconds,
    releaseRetries,
    recordsLeft: left,
    rssMB: rss,
    peakRssMB: peakRss,
    heapMB,
    heapTotalMB,
    seconds,
    cpu,
    firstError: failed[0]?.body,
  }
}

function opsPort(output: string): number {
  const match = output.match(/"metrics listening".*?"port":(\d+)/)
  if (!match) throw new Error(`service did not report its metrics port:\n${output}`)
  return Number(match[1])
}

const on = await scenario(true)
// BENCH_ONLY_GROUP_COMMIT=1 skips the comparison run (for profiling the service).
const off = process.env.BENCH_ONLY_GROUP_COMMIT ? undefined : await scenario(false)
for (const r of off ? [on, off] : [on]) {
  console.log(
    `${r.mode.padEnd(22)} ${r.allocations} ok, ${r.failed} failed, ${r.duplicates} duplicates | ` +
      `${r.perSecond.toFixed(0)} alloc/s, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms | ` +
      `pool writes/alloc ${r.poolWritesPerAlloc.toFixed(3)}, API writes/alloc ${r.apiWritesPerAlloc.toFixed(2)}, ` +
      `API reads/alloc ${r.apiReadsPerAlloc.toFixed(2)}, conflicts ${r.conflicts} | ` +
      `release ${r.releasePerSecond.toFixed(0)}/s (${r.releaseRetries} retried), records left ${r.recordsLeft} | service RSS ${r.rssMB.toFixed(0)} MB, peak ${r.peakRssMB.toFixed(0)} MB (JS heap ${r.heapMB.toFixed(0)} MB in use of ${r.heapTotalMB.toFixed(0)} MB)`,
  )
  console.log(
    `  CPU seconds during the ${r.seconds.toFixed(1)} s of allocation: ` +
      Object.entries(r.cpu)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', '),
  )
  if (r.firstError) console.log(`  first error: ${JSON.stringify(r.firstError)}`)
}
if (off) console.log(`group commit speed-up: ${(on.perSecond / off.perSecond).toFixed(1)}x`)
