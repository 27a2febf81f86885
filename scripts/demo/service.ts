/**
 * The IPAM service for the demo: what ships (the bundle of `npm run build:service`), started as
 * test/support/service.ts starts it, but in its own session with its log in a file, so that
 * `--keep` can leave it running after the demo exits and a later `--cleanup` can stop it by pid.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { REPO_ROOT } from '../build-cni.ts'
import { buildService } from '../build-service.ts'
import { ipamCall } from '../../test/support/service.ts'
import type { ServiceRecord } from './record.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const tail = (file: string, lines = 20): string => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no ${file})`
  }
}

/**
 * Starts the service and waits until it answers on its socket. `spawned` hears of the process
 * before the wait, so that a service that never gets healthy is still stopped by cleanup.
 */
export async function startDemoService(
  kubeconfig: string,
  log: string,
  spawned: (service: ServiceRecord) => void,
): Promise<ServiceRecord> {
  // A short path: a unix socket's path is limited to 107 bytes, and the repository may be deep.
  const socket = join(mkdtempSync(join(tmpdir(), 'spinneret-demo-')), 'ipam.sock')
  const out = openSync(log, 'w')
  const bundle = await buildService()
  const child = spawn(process.execPath, ['--enable-source-maps', bundle], {
    cwd: REPO_ROOT,
    env: { ...process.env, KUBECONFIG: kubeconfig, IPAM_SOCKET: socket, HTTP_PORT: '0', WEBHOOK_PORT: '0' },
    stdio: ['ignore', out, out],
    detached: true,
  })
  closeSync(out)
  child.unref()
  if (child.pid === undefined) throw new Error('could not start the IPAM service')
  const service = { pid: child.pid, socket, log }
  spawned(service)

  const deadline = Date.now() + 30_000
  while (!(await healthy(socket))) {
    if (child.exitCode !== null) throw new Error(`the IPAM service exited with ${child.exitCode}; tail of ${log}:\n${tail(log)}`)
    if (Date.now() > deadline) throw new Error(`the IPAM service did not answer on ${socket} within 30 s; tail of ${log}:\n${tail(log)}`)
    await sleep(100)
  }
  return service
}

const healthy = async (socket: string): Promise<boolean> =>
  existsSync(socket) && (await ipamCall(socket, 'GET', '/v1/ipam/healthy').catch(() => undefined))?.status === 200

/** True only while `pid` is alive and is the service of that record (its socket in its environment). */
function isOurService(service: ServiceRecord): boolean {
  try {
    const status = readFileSync(`/proc/${service.pid}/status`, 'utf8')
    if (/^State:\s+Z/m.test(status)) return false
    return readFileSync(`/proc/${service.pid}/environ`, 'utf8').split('\0').includes(`IPAM_SOCKET=${service.socket}`)
  } catch {
    return false
  }
}

/** SIGTERM (the service closes its socket and stops its dispatcher), SIGKILL after 10 s. */
export async function stopDemoService(service: ServiceRecord): Promise<void> {
  if (isOurService(service)) {
    process.kill(service.pid, 'SIGTERM')
    for (let i = 0; i < 100 && isOurService(service); i++) await sleep(100)
    if (isOurService(service)) process.kill(service.pid, 'SIGKILL')
    for (let i = 0; i < 50 && isOurService(service); i++) await sleep(100)
    if (isOurService(service)) throw new Error(`the IPAM service (pid ${service.pid}) did not stop`)
  }
  const dir = dirname(service.socket)
  if (basename(dir).startsWith('spinneret-demo-')) rmSync(dir, { recursive: true, force: true })
}
