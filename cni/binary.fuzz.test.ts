// The compiled plugin (bun build --compile), run as a runtime runs it, on fuzzed environments and
// stdin, against a socket that answers anything, hangs, drops the connection or is not there.
// Whatever happens it exits 0 or 1 within its timeout, prints one CNI result or error on stdout
// and only JSON log lines on stderr.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCni, type BuiltCni } from '../scripts/build-cni.ts'
import { FUZZ_TIMEOUT_MS, fuzz } from '../test/support/fuzz.ts'
import { expectCniOutput } from './cni-output.testkit.ts'
import { envArb, serviceBodyArb, stdinArb, timeoutArb, type ServiceBehaviour } from './fuzz-arbitraries.testkit.ts'
import { runPlugin } from './run-plugin.testkit.ts'
import { DEFAULT_TIMEOUT_MS } from './timeouts.ts'

const dir = mkdtempSync(join(tmpdir(), 'spinneret-cni-fuzz-'))
const socketPath = join(dir, 'ipam.sock')
const logFile = join(dir, 'logs', 'cni.log')
/** Stands for the socket path in generated configs; replaced per case (a missing socket for 'unreachable'). */
const SOCKET = '@SOCKET@'
/** How long a hanging service holds a request before it drops it: the plugin's deadline usually comes first. */
const HANG_MS = 1500

let behaviour: ServiceBehaviour = { kind: 'answer', status: 200, body: '{}' }
const open = new Set<Socket>()
const server = createServer((req, res: ServerResponse) => {
  req.resume()
  req.on('end', () => {
    const now = behaviour
    if (now.kind === 'answer') {
      res.writeHead(now.status, { 'content-type': 'application/json' })
      res.end(now.body)
    } else if (now.kind === 'drop') {
      req.socket.destroy()
    } else {
      setTimeout(() => req.socket.destroy(), HANG_MS).unref()
    }
  })
})
server.on('connection', (socket) => {
  open.add(socket)
  socket.on('close', () => open.delete(socket))
})

/** The deadline the plugin promises for this config: its timeout_seconds, else its verb's default. */
const deadlineMs = (command: string | undefined, stdin: string): number => {
  let timeout: unknown
  try {
    timeout = JSON.parse(stdin)?.ipam?.timeout_seconds
  } catch {
    timeout = undefined
  }
  if (typeof timeout === 'number' && timeout > 0 && timeout <= 2147483) return timeout * 1000
  // VERSION and unknown commands call no service.
  return Object.hasOwn(DEFAULT_TIMEOUT_MS, command ?? '') ? DEFAULT_TIMEOUT_MS[command as keyof typeof DEFAULT_TIMEOUT_MS] : 0
}

const behaviourArb: fc.Arbitrary<ServiceBehaviour> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      status: fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, { weight: 2, arbitrary: fc.integer({ min: 200, max: 599 }) }),
      body: serviceBodyArb,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<ServiceBehaviour>({ kind: 'unreachable' }, { kind: 'hang' }, { kind: 'drop' }) },
)

// Where the binary may write a log: a file of the test, a path it cannot create (it falls back to
// stderr), or stderr. Short timeouts, so a hanging service costs little.
const binaryStdinArb = fc
  .tuple(
    stdinArb({
      socketPath: SOCKET,
      logFile: fc.constantFrom(undefined, '', logFile, '/proc/spinneret-fuzz/cni.log'),
      timeout: fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0.05, max: 0.5, noNaN: true }) }, { weight: 1, arbitrary: timeoutArb }),
    }),
    fc.constantFrom(0, 0, 0, 70_000, 1 << 20),
  )
  .map(([stdin, padding]) => `${' '.repeat(padding)}${stdin}`)

let built: BuiltCni

beforeAll(async () => {
  built = buildCni({ outDir: join(dir, 'bin') })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
}, 180_000)

afterAll(async () => {
  for (const socket of open) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

describe('fuzzing the compiled plugin', () => {
  it(
    'exits 0 or 1 within its timeout with a CNI answer on stdout, whatever it is given',
    async () => {
      const run = await fuzz(
        'cni binary',
        fc.asyncProperty(envArb, binaryStdinArb, behaviourArb, async (env, stdinTemplate, now) => {
          behaviour = now
          const stdin = stdinTemplate.replaceAll(SOCKET, now.kind === 'unreachable' ? join(dir, 'absent.sock') : socketPath)
          rmSync(logFile, { force: true })
          const limitMs = deadlineMs(env.CNI_COMMAND, stdin) + 3000
          const ran = await runPlugin(built.binary, env, stdin, limitMs)
          expect(ran.signal, `killed after ${Math.round(ran.ms)} ms (deadline ${limitMs} ms); stderr: ${ran.stderr}`).toBeNull()
          const logLines = [...ran.stderr.split('\n'), ...(existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n') : [])].filter((l) => l !== '')
          expectCniOutput(env.CNI_COMMAND, { stdout: ran.stdout, exitCode: ran.code, logLines })
        }),
        { ci: 200, big: 5000 },
      )
      expect(run.cases).toBeGreaterThan(0)
    },
    FUZZ_TIMEOUT_MS,
  )
})
