// A real etcd + kube-apiserver, built from the Go modules pinned in ./go.mod (see build.ts).
// Two instances share the binaries:
//
//   the test control plane   .cache/control-plane/       bare: no controllers, no kubelets; the
//                                                         fast integration tests run against it
//   the local cluster's      .cache/cluster/control-plane/ with ServiceAccount admission and an
//                                                         egress selector into the nodes (scripts/cluster)
//
// Each instance dir holds its logs, kubeconfig (removed by down) and run/ (pid files, state.json,
// etcd data, the apiserver's cert dir and keys; removed by down).
//
// Needs only Go and Node (node:* modules): no openssl, because the service-account key comes
// from node:crypto and the apiserver generates its own self-signed serving cert in --cert-dir.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { BUILD_TIMEOUT_MS, REPO_ROOT, binPath, ensureBinaries, type Binary } from './build.ts'
import { freePort, httpGet, livePid, startTracked, stopTracked, waitUntilReady, withDirLock, type Tracked } from './processes.ts'

export { ensureBinaries } from './build.ts'

const READY_TIMEOUT_MS = Number(process.env.CONTROL_PLANE_READY_TIMEOUT_MS ?? 120_000)
const LOCK_TIMEOUT_MS = BUILD_TIMEOUT_MS + 5 * 60_000

export interface ControlPlaneOptions {
  /** Where this instance keeps its state. */
  dir: string
  /** Name of the kubeconfig's cluster and context. */
  contextName: string
  /**
   * For a cluster with a controller-manager: ServiceAccount admission on (it creates the
   * accounts pods need) and the API server's traffic to nodes through this egress selector file.
   */
  cluster?: { egressSelectorConfigFile: string }
  /** Environment of etcd and the API server (default: this process's). */
  env?: NodeJS.ProcessEnv
}

export interface ControlPlaneState {
  apiserverPort: number
  etcdPort: number
  /** Absent in a state written before it was kept (a resume then takes a free one). */
  etcdPeerPort?: number
  token: string
}

export interface UpResult {
  kubeconfigPath: string
  /** false when an already running control plane was reused */
  started: boolean
}

const log = (msg: string) => process.stderr.write(`[control-plane] ${msg}\n`)

export class ControlPlane {
  readonly kubeconfigPath: string
  readonly runDir: string
  readonly pkiDir: string
  private readonly stateFile: string

  constructor(readonly options: ControlPlaneOptions) {
    this.kubeconfigPath = path.join(options.dir, 'kubeconfig')
    this.runDir = path.join(options.dir, 'run')
    this.pkiDir = path.join(this.runDir, 'pki')
    this.stateFile = path.join(this.runDir, 'state.json')
  }

  tracked(b: Binary): Tracked {
    return { pidFile: path.join(this.runDir, `${b}.pid`), exe: binPath(b), log: path.join(this.options.dir, `${b}.log`) }
  }

  state(): ControlPlaneState | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as ControlPlaneState
    } catch {
      return undefined
    }
  }

  /** Running, ready, and its kubeconfig written. */
  async running(): Promise<boolean> {
    const s = this.state()
    return (
      s !== undefined &&
      livePid(this.tracked('etcd')) !== undefined &&
      livePid(this.tracked('kube-apiserver')) !== undefined &&
      (await this.readyz(s)) &&
      fs.existsSync(this.kubeconfigPath)
    )
  }

  /** Starts (or reuses) the control plane and returns the admin kubeconfig path. */
  up(): Promise<UpResult> {
    return this.withLock(async () => {
      const rebuilt = await ensureBinaries('control-plane') // a running plane from the old pin gets replaced
      if (!rebuilt && (await this.running())) return { kubeconfigPath: this.kubeconfigPath, started: false }
      const t0 = Date.now()
      try {
        await this.startFresh()
      } catch (e) {
        await this.stopAll() // leave nothing half-started behind; the logs stay for inspection
        throw e
      }
      log(`started in ${((Date.now() - t0) / 1000).toFixed(1)}s (logs: ${this.options.dir}/*.log)`)
      return { kubeconfigPath: this.kubeconfigPath, started: true }
    })
  }

  /**
   * Stops exactly the processes named in our pid files and removes their data; with
   * `keepState`, keeps it (ports, token, keys, etcd's data) for `resume`: an API server that stops
   * and comes back on the same address, as after an outage.
   */
  down({ keepState = false }: { keepState?: boolean } = {}): Promise<void> {
    return this.withLock(() => (keepState ? this.stopProcesses() : this.stopAll()))
  }

  /** Starts again what `down({ keepState: true })` stopped: same ports, token, certificates and objects. */
  resume(): Promise<UpResult> {
    return this.withLock(async () => {
      const state = this.state()
      if (!state) throw new Error(`nothing to resume in ${this.runDir}: down({ keepState: true }) keeps it`)
      if (await this.running()) return { kubeconfigPath: this.kubeconfigPath, started: false }
      await this.stopProcesses()
      await this.launch(state)
      return { kubeconfigPath: this.kubeconfigPath, started: true }
    })
  }

  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    fs.mkdirSync(this.options.dir, { recursive: true })
    return withDirLock(path.join(this.options.dir, 'lock'), LOCK_TIMEOUT_MS, log, fn)
  }

  private readyz(s: ControlPlaneState): Promise<boolean> {
    return httpGet(`https://127.0.0.1:${s.apiserverPort}/readyz`, s.token).then((r) => r.status === 200)
  }

  private async stopProcesses(): Promise<void> {
    // apiserver first so it does not log a storm of etcd errors while shutting down.
    await stopTracked(this.tracked('kube-apiserver'))
    await stopTracked(this.tracked('etcd'))
  }

  private async stopAll(): Promise<void> {
    await this.stopProcesses()
    fs.rmSync(this.runDir, { recursive: true, force: true })
    fs.rmSync(this.kubeconfigPath, { force: true })
  }

  private writeKubeconfig(s: ControlPlaneState): void {
    // The apiserver wrote a self-signed CA + serving cert into its cert dir; trust exactly that.
    const ca = fs.readFileSync(path.join(this.pkiDir, 'apiserver.crt'))
    const name = this.options.contextName
    const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: https://127.0.0.1:${s.apiserverPort}
    certificate-authority-data: ${ca.toString('base64')}
users:
- name: admin
  user:
    token: ${s.token}
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: admin
    namespace: default
current-context: ${name}
`
    fs.writeFileSync(this.kubeconfigPath, kubeconfig, { mode: 0o600 })
  }

  private async startFresh(): Promise<void> {
    // Whatever is left (one process dead, the other alive) is ours and useless: clear it.
    await this.stopAll()
    const pki = this.pkiDir
    fs.mkdirSync(pki, { recursive: true })

    const [etcdPort, etcdPeerPort, apiserverPort] = [await freePort(), await freePort(), await freePort()]
    const state: ControlPlaneState = { apiserverPort, etcdPort, etcdPeerPort, token: randomBytes(24).toString('hex') }

    // One RSA key both signs and verifies service-account tokens (the apiserver accepts a
    // private key in --service-account-key-file and derives the public half).
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    fs.writeFileSync(path.join(pki, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 })
    // token,user,uid,"groups": system:masters is bound to cluster-admin and bypasses RBAC.
    fs.writeFileSync(path.join(pki, 'tokens.csv'), `${state.token},admin,admin,"system:masters"\n`, { mode: 0o600 })
    await this.launch(state)
  }

  /** Starts etcd and the API server on the state's ports, with the keys in pki/ (kept by a resume). */
  private async launch(state: ControlPlaneState): Promise<void> {
    const pki = this.pkiDir
    const { etcdPort, apiserverPort } = state
    const etcdPeerPort = state.etcdPeerPort ?? (await freePort())
    const etcdUrl = `http://127.0.0.1:${etcdPort}`
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`
    const etcd = this.tracked('etcd')
    const env = this.options.env ? { env: this.options.env } : {}
    const etcdPid = startTracked(
      etcd,
      [
        '--name=default',
        `--data-dir=${path.join(this.runDir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync', // test data: durability only costs time
        '--log-level=warn',
      ],
      env,
    )
    await waitUntilReady('etcd', etcdPid, etcd.log, READY_TIMEOUT_MS, async () => {
      const r = await httpGet(`${etcdUrl}/health`)
      return r.status === 200 && r.body.includes('"true"')
    })

    const cluster = this.options.cluster
    const apiserver = this.tracked('kube-apiserver')
    const apiPid = startTracked(
      apiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${pki}`, // no --tls-cert-file: it generates a self-signed CA + cert here
        `--secure-port=${apiserverPort}`,
        '--bind-address=127.0.0.1',
        // Written into the `kubernetes` Service endpoints, which reject loopback; left unset it
        // is the host's interface IP (none in a bare network namespace). TEST-NET-1 is never
        // routed and nothing here dials it. 127.0.0.1 is in the cert's SANs via --bind-address,
        // and the Service's ClusterIP 10.96.0.1 (how pods reach the API) is in them too.
        '--advertise-address=192.0.2.1',
        `--token-auth-file=${path.join(pki, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(pki, 'sa.key')}`,
        `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
        '--allow-privileged=true',
        ...(cluster
          ? [
              // Kubelets (logs, exec) and Services' endpoints (webhooks) are reached through the
              // egress selector: the nodes are network namespaces the host cannot route to.
              `--egress-selector-config-file=${cluster.egressSelectorConfigFile}`,
              '--kubelet-preferred-address-types=InternalIP,Hostname',
              // Webhooks behind a Service are dialled at an endpoint: no kube-proxy here.
              '--enable-aggregator-routing=true',
            ]
          : // No controller-manager creates ServiceAccounts, so that admission would reject pods.
            ['--disable-admission-plugins=ServiceAccount']),
      ],
      env,
    )
    // Ready also means usable: the `default` namespace appears a moment after /readyz.
    await waitUntilReady(
      'kube-apiserver',
      apiPid,
      apiserver.log,
      READY_TIMEOUT_MS,
      async () => (await this.readyz(state)) && (await httpGet(`https://127.0.0.1:${apiserverPort}/api/v1/namespaces/default`, state.token)).status === 200,
    )
    fs.writeFileSync(this.stateFile, JSON.stringify(state, null, 2) + '\n')
    this.writeKubeconfig(state)
  }
}

/** The bare control plane of the integration tests and benches. */
export const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'control-plane')
export const testControlPlane = new ControlPlane({ dir: CACHE_DIR, contextName: 'spinneret-test' })
export const KUBECONFIG_PATH = testControlPlane.kubeconfigPath
export const up = () => testControlPlane.up()
export const down = () => testControlPlane.down()
