/**
 * What the compiled CNI plugin costs a pod start: `npm run bench:cni [-- options]`.
 *
 * - binary size, and cold start of `VERSION` (no I/O but stdout): median/p90 of `--runs` runs;
 * - one ADD round trip (process start + POST over the unix socket + result), same statistics;
 * - `--total` ADDs with `--concurrency` in flight, against the same number of bare VERSION calls,
 *   so the difference is what the service round trip adds under load.
 *
 * Without `--socket`, ADD goes to a stub in this process that answers POST /v1/ipam/ip at once:
 * those figures are process start + client + transport only, never the IPAM service. With
 * `--socket PATH` they go to a real service; pass a pod that exists (`--pod-namespace`,
 * `--pod-name`, `--pod-uid`): every call is for that pod (container IDs differ), so after the first
 * they measure the service's idempotent path, and no DEL is sent afterwards.
 * Timings are wall clock on a possibly shared machine: the load average is printed alongside.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildCni } from './build-cni.ts'

const { values: opts } = parseArgs({
  options: {
    socket: { type: 'string' },
    runs: { type: 'string', default: '50' },
    total: { type: 'string', default: '1000' },
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

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ')

/**
 * CPU time (user + system) of this process's reaped children, from /proc/self/stat (Linux; USER_HZ
 * is 100 there). Unlike wall clock it hardly moves with the machine's load: it is what a pod start
 * costs the node.
 */
const childrenCpuMs = (): number | undefined => {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // After "pid (comm) ", field 3 (state) is index 0: cutime is field 16, cstime 17.
    return (Number(fields[13]) + Number(fields[14])) * 10
  } catch {
    return undefined
  }
}

/** Runs `measure` and says how much CPU its children used per call. */
const withCpu = async <T>(count: number, measure: () => Promise<T>): Promise<{ result: T; cpu: string }> => {
  const before = childrenCpuMs()
  const result = await measure()
  const after = childrenCpuMs()
  const cpu =
    before === undefined || after === undefined ? 'CPU n/a' : `CPU ${((after - before) / count).toFixed(1)} ms/call`
  return { result, cpu }
}

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

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN

const summary = (samples: readonly number[]): string => {
  const sorted = [...samples].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(1)
  return `median ${f(quantile(sorted, 0.5))} ms, p90 ${f(quantile(sorted, 0.9))} ms, min ${f(sorted[0] ?? NaN)} ms`
}

const checked = (what: string, run: Run): Run => {
  if (run.code !== 0) throw new Error(`${what} failed (exit ${run.code}): ${run.stdout}`)
  return run
}

const sequential = async (count: number, once: (i: number) => Promise<Run>): Promise<number[]> => {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push((await once(i)).ms)
  return times
}

const parallel = async (
  count: number,
  inFlight: number,
  once: (i: number) => Promise<Run>,
): Promise<{ wallMs: number; times: number[] }> => {
  const times: number[] = []
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < count) times.push((await once(next++)).ms)
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker))
  return { wallMs: performance.now() - started, times }
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

const addEnv = (i: number): Record<string, string> => ({
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: `bench-${i}`,
  CNI_NETNS: `/var/run/netns/bench-${i}`,
  CNI_IFNAME: opts.ifname,
  CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: [
    `K8S_POD_NAMESPACE=${opts['pod-namespace']}`,
    `K8S_POD_NAME=${opts['pod-name']}`,
    `K8S_POD_UID=${opts['pod-uid']}`,
  ].join(';'),
})

const out = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

const main = async (): Promise<void> => {
  const loadBefore = load()
  const built = buildCni()
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-bench-cni-'))
  const socketPath = opts.socket ?? join(dir, 'stub.sock')
  const stub = opts.socket ? undefined : await startStub(socketPath)
  const target = opts.socket
    ? `the IPAM service at ${socketPath}`
    : `a STUB in this process (${socketPath}), not the IPAM service`
  const stdin = JSON.stringify({
    cniVersion: opts['cni-version'],
    name: 'bench',
    type: 'macvlan',
    ipam: { type: 'spiderpool', ipam_unix_socket_path: socketPath, log_level: 'error' },
  })
  const version = () => exec(built.binary, { CNI_COMMAND: 'VERSION' }, '').then((r) => checked('VERSION', r))
  const add = (i: number) => exec(built.binary, addEnv(i), stdin).then((r) => checked('ADD', r))
  try {
    const mib = (built.bytes / 1024 / 1024).toFixed(1)
    out(`spinneret CNI plugin: ${built.binary}`)
    out(`  bun ${built.bunVersion}, --compile --minify --bytecode --format=esm, ${Math.round(built.buildMs)} ms`)
    out(`  size ${mib} MiB (${built.bytes} bytes)`)
    await version() // page the binary in once: the figures are for a warm page cache, as on a node
    const cold = await withCpu(runs, () => sequential(runs, version))
    out(`cold start, VERSION, ${runs} sequential runs: ${summary(cold.result)}; ${cold.cpu}`)
    await add(-1)
    const trip = await withCpu(runs, () => sequential(runs, add))
    out(`ADD round trip against ${target}, ${runs} sequential runs: ${summary(trip.result)}; ${trip.cpu}`)
    const loads = [
      ['VERSION', await withCpu(total, () => parallel(total, concurrency, version))],
      [`ADD against ${target}`, await withCpu(total, () => parallel(total, concurrency, add))],
    ] as const
    for (const [what, { result, cpu }] of loads) {
      const rate = ((total / result.wallMs) * 1000).toFixed(0)
      const wall = (result.wallMs / 1000).toFixed(2)
      out(`${total} ${what}, ${concurrency} in flight: ${wall} s, ${rate}/s; ${cpu}; each ${summary(result.times)}`)
    }
    out(`load average before ${loadBefore}, after ${load()}`)
  } finally {
    await new Promise((resolve) => (stub ? stub.close(resolve) : resolve(undefined)))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
