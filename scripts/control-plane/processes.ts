// Long-running processes of the control plane and the local cluster: started in their own
// session so they outlive npm, tracked by pid files, stopped only when the pid still runs the
// binary we started (pids get reused).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no ${file})`
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    // A zombie (exited, not yet reaped by its parent) still answers kill 0.
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return !fs.existsSync('/proc/self') // no procfs (macOS): trust kill 0
  }
}

/** A process to track: its pid file, the binary it must be running, its log. */
export interface Tracked {
  pidFile: string
  /** Absolute path of the executable; /proc/<pid>/exe must point at it. */
  exe: string
  log: string
  /** Also required in /proc/<pid>/cmdline (for processes whose exe is a shell, e.g. a supervisor). */
  argv?: string
}

/** The pid from the pid file, only if that process is alive and still runs `exe`. */
export function livePid(t: Tracked): number | undefined {
  let pid: number
  try {
    pid = Number(fs.readFileSync(t.pidFile, 'utf8').trim())
  } catch {
    return undefined
  }
  if (!pid || !isAlive(pid)) return undefined
  try {
    if (fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') !== t.exe) return undefined
    if (t.argv !== undefined && !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(t.argv)) return undefined
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync('/proc/self/exe')) return undefined
  }
  return pid
}

/**
 * A shell that runs a command again whenever it exits (1 s later), as a node's systemd or
 * kubelet restarts a crashed control-plane component; SIGTERM stops the command and the shell.
 * Usage: spawn(SUPERVISOR[0], [...SUPERVISOR.slice(1), binary, ...args]).
 */
export const SUPERVISOR = [
  '/bin/sh',
  '-c',
  'trap \'kill "$child" 2>/dev/null; wait "$child"; exit 0\' TERM INT; ' +
    'while :; do "$@" & child=$!; wait "$child"; echo "[supervisor] $1 exited with $?; starting it again in 1 s" >&2; sleep 1; done',
  'supervise',
]

/** The Tracked of a supervised binary: the supervisor's pid, checked by the binary in its cmdline. */
export const supervised = (t: Tracked): Tracked => ({ ...t, exe: fs.realpathSync(SUPERVISOR[0] as string), argv: t.exe })

export interface StartOptions {
  /** Run under this wrapper (e.g. ['nsenter', '--net=...', '--']); exe is still what is tracked. */
  wrapper?: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
}

/**
 * Starts `t.exe args` in its own session, logging to t.log; writes the pid file. With a wrapper
 * that execs the binary in place (nsenter), wait for `livePid` until the exec happened.
 */
export function startTracked(t: Tracked, args: string[], options: StartOptions = {}): number {
  const out = fs.openSync(t.log, 'w')
  const [cmd, ...cmdArgs] = [...(options.wrapper ?? []), t.exe, ...args] as [string, ...string[]]
  const child = spawn(cmd, cmdArgs, {
    stdio: ['ignore', out, out],
    detached: true,
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  })
  fs.closeSync(out)
  child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${t.exe}`)
  // nsenter execs the target in place, so the wrapper's pid becomes the binary's pid.
  fs.writeFileSync(t.pidFile, `${child.pid}\n`)
  return child.pid
}

/** Waits until the pid runs `t.exe` (a wrapper has exec'd it); false when it died first. */
export async function execed(t: Tracked, pid: number, timeoutMs = 5_000): Promise<boolean> {
  for (let waited = 0; waited < timeoutMs; waited += 20) {
    if (livePid(t) === pid) return true
    if (!isAlive(pid)) return false
    await sleep(20)
  }
  return false
}

/** TERM, wait up to `graceMs`, then KILL (with 0: KILL at once); resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig)
    } catch {
      /* exited meanwhile */
    }
  }
  if (graceMs > 0) signal('SIGTERM')
  for (let waited = 0; waited < graceMs && isAlive(pid); waited += 100) await sleep(100)
  if (isAlive(pid)) signal('SIGKILL')
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100)
}

export async function stopTracked(t: Tracked, graceMs?: number): Promise<void> {
  const pid = livePid(t)
  if (pid !== undefined) await stopPid(pid, graceMs)
  fs.rmSync(t.pidFile, { force: true })
}

/**
 * A free loopback port below the kernel's ephemeral range: a server restarted on its port (a
 * fault test kills kube-apiserver and starts it again) must not find it taken by some client's
 * outgoing connection, which is what a port the kernel hands out for `listen(0)` risks.
 */
export async function freePort(): Promise<number> {
  let ephemeralLow = 32768
  try {
    ephemeralLow = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow
  } catch {
    /* not Linux: keep the usual start of the range */
  }
  const low = 10_000
  const high = Math.max(low + 1000, ephemeralLow - 1)
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low))
    if (await canListen(port)) return port
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high}`)
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** GET a URL; resolves with the status code and body, never throws for network errors. */
export function httpGet(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http
    const req = mod.get(
      url,
      {
        timeout: 3000,
        // Readiness probes only: the CA may not exist yet while a server boots.
        rejectUnauthorized: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e) => resolve({ status: 0, body: e.message }))
  })
}

/** Polls `probe` until true; fails with the log's tail when the process dies or time runs out. */
export async function waitUntilReady(what: string, pid: number, logFile: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe()) return
    if (!isAlive(pid)) throw new Error(`${what} exited during startup; tail of ${logFile}:\n${tail(logFile)}`)
    await sleep(250)
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s; tail of ${logFile}:\n${tail(logFile)}`)
}

/** A directory lock: `up` and `down` from two shells must not interleave. */
export async function withDirLock<T>(lockDir: string, timeoutMs: number, announce: (msg: string) => void, fn: () => Promise<T>): Promise<T> {
  const holderOf = () => {
    try {
      return Number(fs.readFileSync(`${lockDir}/pid`, 'utf8')) || 0
    } catch {
      return 0
    }
  }
  const deadline = Date.now() + timeoutMs
  let announced = false
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      fs.writeFileSync(`${lockDir}/pid`, String(process.pid))
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const holder = holderOf()
      if (!holder || !isAlive(holder)) {
        // Holder died (or is between mkdir and writing its pid: give it a moment first).
        await sleep(200)
        if (holderOf() === holder) fs.rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir} held by pid ${holder}`)
      if (!announced) announce(`waiting for another command (pid ${holder}) holding ${lockDir}`)
      announced = true
      await sleep(500)
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true })
  }
}

/**
 * Restarts a tracked process exactly as it runs (same arguments, environment and log, appended
 * to), for fault injection: kill (SIGKILL, as a crash) or stop (SIGTERM), wait `downMs`, start.
 * A process started through a wrapper (nsenter) needs the same wrapper again. @returns the new pid
 */
export async function restartTracked(
  t: Tracked,
  { signal = 'SIGKILL', downMs = 0, wrapper }: { signal?: NodeJS.Signals; downMs?: number; wrapper?: string[] } = {},
): Promise<number> {
  const pid = livePid(t)
  if (pid === undefined) throw new Error(`${t.exe} is not running (pid file ${t.pidFile})`)
  const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, -1)
  const env = Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  )
  await stopPid(pid, signal === 'SIGKILL' ? 0 : 10_000)
  if (downMs > 0) await sleep(downMs)
  const out = fs.openSync(t.log, 'a')
  const [cmd, ...cmdArgs] = [...(wrapper ?? []), t.exe, ...args] as [string, ...string[]]
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', out, out], detached: true, env })
  fs.closeSync(out)
  child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${t.exe} again`)
  fs.writeFileSync(t.pidFile, `${child.pid}\n`)
  if (!(await execed(t, child.pid))) throw new Error(`${t.exe} did not start again; tail of ${t.log}:\n${tail(t.log)}`)
  return child.pid
}
