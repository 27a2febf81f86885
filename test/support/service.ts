// Runs the real service (functions/service/main-node.ts) as a child process for tests and benches.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildService } from '../../scripts/build-service.ts'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'

const root = resolve(import.meta.dirname, '../..')

// Tests run what ships: the bundled service, built once per test process.
let bundle: Promise<string> | undefined

export interface RunningService {
  socket: string
  process: ChildProcess
  /** Everything it printed, for failure messages. */
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts the service and waits until it is ready (its health check answers 200), or with
 * `until: 'listening'` only until its socket answers at all (a service that cannot get ready).
 */
export async function startService(
  env: Record<string, string> = {},
  runtime: 'node' | 'deno' = 'node',
  { until = 'ready' }: { until?: 'ready' | 'listening' } = {},
): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-'))
  const socket = join(dir, 'ipam.sock')
  const [cmd, args] =
    runtime === 'node'
      ? // SERVICE_NODE_ARGS: node flags instead of --enable-source-maps, for profiling and memory
        // experiments (NODE_OPTIONS refuses --cpu-prof).
        // SERVICE_BUNDLE: another build of the service (a bench comparing two versions in one run).
        [
          process.execPath,
          [
            ...(process.env.SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? ['--enable-source-maps']),
            process.env.SERVICE_BUNDLE ?? (await (bundle ??= buildService())),
          ],
        ]
      : [join(root, 'node_modules/.bin/deno'), ['run', '-A', '--quiet', join(root, 'functions/service/main-deno.ts')]]
  const child = spawn(cmd, args, {
    cwd: root,
    // Webhooks off unless a test asks: they bind a port and keep a Secret in the cluster. Each
    // service leads on a Lease of its own unless a test makes them compete: one test's service
    // must not wait for another's lease to expire.
    env: {
      ...process.env,
      IPAM_SOCKET: socket,
      HTTP_PORT: '0',
      METRICS_PORT: '0',
      WEBHOOK_PORT: '0',
      LEADER_LEASE_NAME: `spinneret-test-${randomBytes(4).toString('hex')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const deadline = Date.now() + 30_000
  const answered = until === 'ready' ? healthy : listening
  while (!existsSync(socket) || !(await answered(socket))) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`service did not ${until === 'ready' ? 'get ready' : 'answer'} on ${socket} within 30 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    socket,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const healthy = async (socket: string) => (await ipamCall(socket, 'GET', '/v1/ipam/healthy').catch(() => undefined))?.status === 200
const listening = async (socket: string) => (await ipamCall(socket, 'GET', '/v1/ipam/healthy').catch(() => undefined)) !== undefined

export interface IpamAnswer {
  status: number
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

/** What a CNI plugin sends to allocate or release a pod's eth0 (its container ID made from the pod's UID). */
export const ipamBodyFor = (pod: { metadata?: { name?: string; uid?: string } }, namespace: string) => ({
  containerID: `c-${pod.metadata?.uid}`,
  ifName: 'eth0',
  podNamespace: namespace,
  podName: pod.metadata?.name,
  podUID: pod.metadata?.uid,
})

/**
 * One call to the IPAM API over its unix socket, as Spinneret's CNI plugin makes it (asking for
 * structured errors); `as: 'spiderpool'` calls it as Spiderpool's plugin does, with the empty Host
 * header of its Go client.
 */
export function ipamCall(
  socket: string,
  method: string,
  path: string,
  body?: unknown,
  { as = 'spinneret' }: { as?: 'spinneret' | 'spiderpool' } = {},
): Promise<IpamAnswer> {
  return ipamRequest(socket, method, path, body === undefined ? undefined : JSON.stringify(body), { as })
}

/** A request of any shape over the socket: the body sent as is, with the given content type. */
export function ipamRequest(
  socket: string,
  method: string,
  path: string,
  payload?: string,
  { contentType = 'application/json', as = 'spinneret' }: { contentType?: string; as?: 'spinneret' | 'spiderpool' } = {},
): Promise<IpamAnswer> {
  return new Promise((resolvePromise, reject) => {
    const headers = {
      ...(as === 'spinneret' ? { [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS } : { host: '', 'user-agent': 'Go-http-client/1.1', accept: 'application/json' }),
      ...(payload !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
    }
    const req = request({ socketPath: socket, method, path, headers }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => {
        let parsed: unknown = text
        try {
          parsed = JSON.parse(text)
        } catch {
          // not JSON: keep the text
        }
        resolvePromise({ status: res.statusCode ?? 0, body: parsed })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}
