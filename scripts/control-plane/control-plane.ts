// A real etcd + kube-apiserver for integration tests, built from the Go modules pinned in
// ./go.mod (no OS package ships kube-apiserver). Everything lives under .cache/control-plane/:
//
//   bin/            kube-apiserver, etcd and a stamp of the pin they were built from
//   build.log       output of the last build
//   etcd.log, kube-apiserver.log
//   run/            pid files, state.json, etcd data, apiserver cert dir and keys (removed by down)
//   kubeconfig      admin kubeconfig (removed by down)
//
// Needs only Go and Node (node:* modules): no openssl, because the service-account key comes
// from node:crypto and the apiserver generates its own self-signed serving cert in --cert-dir.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const MODULE_DIR = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(MODULE_DIR, '../..')
export const CACHE_DIR = path.join(ROOT, '.cache', 'control-plane')
const BIN_DIR = path.join(CACHE_DIR, 'bin')
const RUN_DIR = path.join(CACHE_DIR, 'run')
const LOCK_DIR = path.join(CACHE_DIR, 'lock')
export const KUBECONFIG_PATH = path.join(CACHE_DIR, 'kubeconfig')
const BUILD_LOG = path.join(CACHE_DIR, 'build.log')
const STATE_FILE = path.join(RUN_DIR, 'state.json')
const BINARIES = ['kube-apiserver', 'etcd'] as const
type Binary = (typeof BINARIES)[number]

// Timeouts: a cold build is many minutes on 2 cores, a start is seconds. Override for slow CI.
const BUILD_TIMEOUT_MS = Number(process.env.CONTROL_PLANE_BUILD_TIMEOUT_MS ?? 45 * 60_000)
const READY_TIMEOUT_MS = Number(process.env.CONTROL_PLANE_READY_TIMEOUT_MS ?? 120_000)
const LOCK_TIMEOUT_MS = BUILD_TIMEOUT_MS + 5 * 60_000

interface State {
  apiserverPort: number
  etcdPort: number
  token: string
}

export interface UpResult {
  kubeconfigPath: string
  /** false when an already running control plane was reused */
  started: boolean
}

const log = (msg: string) => process.stderr.write(`[control-plane] ${msg}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function tail(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no ${file})`
  }
}

// ---------------------------------------------------------------------------------------------
// Build

/** `go build` arguments. The -X flags stamp the real version (the module source only carries
 *  a placeholder "v0.0.0-master"), so /version and kubectl report what is pinned in go.mod. */
function buildArgs(outDir: string): string[] {
  const pin = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\S+)/m.exec(
    fs.readFileSync(path.join(MODULE_DIR, 'go.mod'), 'utf8'),
  )
  if (!pin) throw new Error(`no k8s.io/kubernetes requirement in ${MODULE_DIR}/go.mod`)
  const [, major, minor, patch] = pin
  const x = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=v${major}.${minor}.${patch}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ])
  // -trimpath and -s -w: smaller binaries, and builds that do not depend on where the repo is.
  const ldflags = ['-s', '-w', ...x].join(' ')
  return ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', outDir + path.sep, ...BINARIES.map((b) => `./cmd/${b}`)]
}

/** Hash of everything that decides what the binaries are; a different hash means rebuild. */
function buildStamp(): string {
  const h = createHash('sha256').update(buildArgs('').join('\n'))
  for (const f of ['go.mod', 'go.sum', ...BINARIES.map((b) => `cmd/${b}/main.go`)]) {
    h.update(f).update(fs.readFileSync(path.join(MODULE_DIR, f)))
  }
  return h.digest('hex')
}

function binPath(b: Binary) {
  return path.join(BIN_DIR, b)
}

/** Builds the binaries unless they match the pin; returns whether it built. */
export async function ensureBinaries(): Promise<boolean> {
  const stamp = buildStamp()
  const stampFile = path.join(BIN_DIR, 'stamp')
  const fresh =
    BINARIES.every((b) => fs.existsSync(binPath(b))) &&
    fs.existsSync(stampFile) &&
    fs.readFileSync(stampFile, 'utf8').trim() === stamp
  if (fresh) return false

  const probe = spawnSync('go', ['version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Go toolchain not found: install Go >= 1.25 (https://go.dev/dl/, or the golang-go package ' +
        'if new enough) and put `go` on PATH; it builds kube-apiserver and etcd for the tests.',
    )
  }
  log(`building kube-apiserver and etcd with ${probe.stdout.trim()} (cold: many minutes; log: ${BUILD_LOG})`)

  // Build into a scratch dir and move into place only on success, so a killed build never
  // leaves binaries that look current.
  const tmp = path.join(CACHE_DIR, 'bin.tmp')
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.mkdirSync(tmp, { recursive: true })
  const out = fs.openSync(BUILD_LOG, 'w')
  const started = Date.now()
  // Not detached: Ctrl-C on the terminal must stop the build (and its compilers) too.
  const child = spawn('go', buildArgs(tmp), { cwd: MODULE_DIR, stdio: ['ignore', out, out] })
  fs.closeSync(out)
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve('timeout')
    }, BUILD_TIMEOUT_MS)
    child.on('error', (e) => { clearTimeout(timer); resolve(e.message) })
    child.on('exit', (c, sig) => { clearTimeout(timer); resolve(c ?? String(sig)) })
  })
  if (code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw new Error(
      `building the control plane failed (${code === 'timeout' ? `timed out after ${BUILD_TIMEOUT_MS / 1000}s` : `exit ${code}`}); ` +
        `tail of ${BUILD_LOG}:\n${tail(BUILD_LOG)}`,
    )
  }
  fs.mkdirSync(BIN_DIR, { recursive: true })
  for (const b of BINARIES) fs.renameSync(path.join(tmp, b), binPath(b))
  fs.writeFileSync(stampFile, stamp + '\n')
  fs.rmSync(tmp, { recursive: true, force: true })
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`)
  return true
}

// ---------------------------------------------------------------------------------------------
// Processes

const pidFile = (b: Binary) => path.join(RUN_DIR, `${b}.pid`)
const logFile = (b: Binary) => path.join(CACHE_DIR, `${b}.log`)

/** The pid from our pid file, only if that process is alive and still runs our binary. */
function livePid(b: Binary): number | undefined {
  let pid: number
  try {
    pid = Number(fs.readFileSync(pidFile(b), 'utf8').trim())
    process.kill(pid, 0)
  } catch {
    return undefined
  }
  // Guard against pid reuse: /proc/<pid>/exe must be our binary (Linux; elsewhere trust the pid).
  try {
    if (fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '') !== binPath(b)) return undefined
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || fs.existsSync('/proc/self/exe')) return undefined
  }
  return pid
}

async function stopProcess(b: Binary): Promise<void> {
  const pid = livePid(b)
  if (pid === undefined) return
  const signal = (sig: NodeJS.Signals) => {
    try { process.kill(pid, sig) } catch { /* exited meanwhile */ }
  }
  signal('SIGTERM')
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100)
  if (isAlive(pid)) signal('SIGKILL')
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100)
}

function isAlive(pid: number): boolean {
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

/** Starts a binary in its own session (setsid) so it outlives npm, logging to a file. */
function startProcess(b: Binary, args: string[]): number {
  const out = fs.openSync(logFile(b), 'w')
  const child = spawn(binPath(b), args, { stdio: ['ignore', out, out], detached: true })
  fs.closeSync(out)
  child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${binPath(b)}`)
  fs.writeFileSync(pidFile(b), `${child.pid}\n`)
  return child.pid
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** GET a URL; resolves with the status code and body, never throws for network errors. */
function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http
    const req = mod.get(
      url,
      {
        timeout: 3000,
        // Readiness probe only: the CA does not exist yet while the apiserver boots.
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

async function waitFor(what: Binary, pid: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (await probe()) return
    if (!isAlive(pid)) {
      throw new Error(`${what} exited during startup; tail of ${logFile(what)}:\n${tail(logFile(what))}`)
    }
    await sleep(250)
  }
  throw new Error(
    `${what} not ready after ${READY_TIMEOUT_MS / 1000}s; tail of ${logFile(what)}:\n${tail(logFile(what))}`,
  )
}

const readyz = (s: State) =>
  get(`https://127.0.0.1:${s.apiserverPort}/readyz`, s.token).then((r) => r.status === 200)

// ---------------------------------------------------------------------------------------------
// Lock: up and down from two shells (or a test run and a developer) must not interleave.

function lockHolder(): number {
  try {
    return Number(fs.readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8')) || 0
  } catch {
    return 0
  }
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const deadline = Date.now() + LOCK_TIMEOUT_MS
  let announced = false
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR)
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid))
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const holder = lockHolder()
      if (!holder || !isAlive(holder)) {
        // Holder died (or is between mkdir and writing its pid: give it a moment first).
        await sleep(200)
        if (lockHolder() === holder) fs.rmSync(LOCK_DIR, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK_DIR} held by pid ${holder}`)
      if (!announced) log(`waiting for another control-plane command (pid ${holder})`)
      announced = true
      await sleep(500)
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// up / down

function readState(): State | undefined {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as State
  } catch {
    return undefined
  }
}

function writeKubeconfig(s: State): void {
  // The apiserver wrote a self-signed CA + serving cert into its cert dir; trust exactly that.
  const ca = fs.readFileSync(path.join(RUN_DIR, 'pki', 'apiserver.crt'))
  const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: spinneret-test
  cluster:
    server: https://127.0.0.1:${s.apiserverPort}
    certificate-authority-data: ${ca.toString('base64')}
users:
- name: admin
  user:
    token: ${s.token}
contexts:
- name: spinneret-test
  context:
    cluster: spinneret-test
    user: admin
    namespace: default
current-context: spinneret-test
`
  fs.writeFileSync(KUBECONFIG_PATH, kubeconfig, { mode: 0o600 })
}

async function startFresh(): Promise<State> {
  // Whatever is left (one process dead, the other alive) is ours and useless: clear it.
  await stopAll()
  fs.mkdirSync(path.join(RUN_DIR, 'pki'), { recursive: true })
  const pki = path.join(RUN_DIR, 'pki')

  const [etcdPort, etcdPeerPort, apiserverPort] = [await freePort(), await freePort(), await freePort()]
  const state: State = { apiserverPort, etcdPort, token: randomBytes(24).toString('hex') }

  const etcdUrl = `http://127.0.0.1:${etcdPort}`
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`
  const etcdPid = startProcess('etcd', [
    '--name=default',
    `--data-dir=${path.join(RUN_DIR, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--unsafe-no-fsync', // test data: durability only costs time
    '--log-level=warn',
  ])
  await waitFor('etcd', etcdPid, async () => {
    const r = await get(`${etcdUrl}/health`)
    return r.status === 200 && r.body.includes('"true"')
  })

  // One RSA key both signs and verifies service-account tokens (the apiserver accepts a
  // private key in --service-account-key-file and derives the public half).
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  fs.writeFileSync(path.join(pki, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 })
  // token,user,uid,"groups": system:masters is bound to cluster-admin and bypasses RBAC.
  fs.writeFileSync(path.join(pki, 'tokens.csv'), `${state.token},admin,admin,"system:masters"\n`, { mode: 0o600 })

  const apiPid = startProcess('kube-apiserver', [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${pki}`, // no --tls-cert-file: it generates a self-signed CA + cert here
    `--secure-port=${apiserverPort}`,
    '--bind-address=127.0.0.1',
    // Written into the `kubernetes` Service endpoints, which reject loopback; left unset it
    // is the host's interface IP (none in a bare network namespace). TEST-NET-1 is never
    // routed and nothing here dials it. 127.0.0.1 is in the cert's SANs via --bind-address.
    '--advertise-address=192.0.2.1',
    `--token-auth-file=${path.join(pki, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    // No controller-manager creates ServiceAccounts, so that admission would reject pods.
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${path.join(pki, 'sa.key')}`,
    `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
    '--allow-privileged=true',
  ])
  // Ready also means usable: the `default` namespace appears a moment after /readyz.
  await waitFor('kube-apiserver', apiPid, async () =>
    (await readyz(state)) &&
    (await get(`https://127.0.0.1:${apiserverPort}/api/v1/namespaces/default`, state.token)).status === 200,
  )
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n')
  writeKubeconfig(state)
  return state
}

/** Starts (or reuses) the control plane and returns the admin kubeconfig path. */
export async function up(): Promise<UpResult> {
  return withLock(async () => {
    const rebuilt = await ensureBinaries() // a running plane from the old pin gets replaced
    const state = readState()
    if (!rebuilt && state && livePid('etcd') && livePid('kube-apiserver') && (await readyz(state)) && fs.existsSync(KUBECONFIG_PATH)) {
      return { kubeconfigPath: KUBECONFIG_PATH, started: false }
    }
    const t0 = Date.now()
    try {
      await startFresh()
    } catch (e) {
      await stopAll() // leave nothing half-started behind; the logs stay for inspection
      throw e
    }
    log(`started in ${((Date.now() - t0) / 1000).toFixed(1)}s (logs: ${CACHE_DIR}/*.log)`)
    return { kubeconfigPath: KUBECONFIG_PATH, started: true }
  })
}

async function stopAll(): Promise<void> {
  // apiserver first so it does not log a storm of etcd errors while shutting down.
  await stopProcess('kube-apiserver')
  await stopProcess('etcd')
  fs.rmSync(RUN_DIR, { recursive: true, force: true })
  fs.rmSync(KUBECONFIG_PATH, { force: true })
}

/** Stops exactly the processes named in our pid files and removes their data. */
export async function down(): Promise<void> {
  await withLock(stopAll)
}
