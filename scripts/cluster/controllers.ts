// The host-side parts of the local cluster beside etcd and the API server: the real
// kube-controller-manager and kube-scheduler, and netns-gateway (the API server's way into the
// nodes and theirs to it). All bind to loopback or a unix socket.
import fs from 'node:fs'
import path from 'node:path'
import { binPath } from '../control-plane/build.ts'
import type { ControlPlane } from '../control-plane/control-plane.ts'
import { SUPERVISOR, freePort, livePid, sleep, startTracked, stopTracked, supervised, tail, type Tracked } from '../control-plane/processes.ts'
import { nodeIP, type NodeDescription } from './description.ts'
import { KUBERNETES_SERVICE_IP } from './network.ts'
import { CLUSTER_DIR, RUN_DIR, markedEnv, netnsPath, nodeNetns } from './paths.ts'

export const LOG_DIR = path.join(CLUSTER_DIR, 'logs')
export const EGRESS_SOCKET = path.join(RUN_DIR, 'egress.sock')
export const EGRESS_CONFIG = path.join(RUN_DIR, 'egress-selector.yaml')
const GATEWAY_CONFIG = path.join(RUN_DIR, 'netns-gateway.json')

const binaryOf = (name: 'kube-controller-manager' | 'kube-scheduler' | 'netns-gateway'): Tracked => ({
  pidFile: path.join(RUN_DIR, `${name}.pid`),
  exe: binPath(name),
  log: path.join(LOG_DIR, `${name}.log`),
})
// Supervised, as on a real control-plane node: kube-scheduler exits on purpose when it finds its
// cache corrupted (a force-deleted StatefulSet pod back on another node) and expects a restart.
const trackedOf = (name: 'kube-controller-manager' | 'kube-scheduler' | 'netns-gateway'): Tracked => supervised(binaryOf(name))

/** Starts a control-plane binary under the supervisor. */
const startSupervised = (name: 'kube-controller-manager' | 'kube-scheduler' | 'netns-gateway', args: string[]) =>
  startTracked({ ...trackedOf(name), exe: SUPERVISOR[0] as string }, [...SUPERVISOR.slice(1), binPath(name), ...args], { env: markedEnv() })
export const HOST_PROCESSES = ['netns-gateway', 'kube-controller-manager', 'kube-scheduler'] as const

/** The API server dials kubelets and Service endpoints through netns-gateway. */
export function writeEgressSelectorConfig(): void {
  fs.mkdirSync(RUN_DIR, { recursive: true })
  fs.writeFileSync(
    EGRESS_CONFIG,
    `apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: ${EGRESS_SOCKET}
`,
  )
}

/** Starts netns-gateway, or makes the running one serve `nodes` (SIGHUP re-reads its config). */
export async function ensureGateway(controlPlane: ControlPlane, nodes: readonly NodeDescription[]): Promise<void> {
  const state = controlPlane.state()
  if (!state) throw new Error('the control plane is not running')
  const config = JSON.stringify(
    {
      apiserver: `127.0.0.1:${state.apiserverPort}`,
      egressSocket: EGRESS_SOCKET,
      nodes: nodes.map((n) => ({
        name: n.name,
        netns: netnsPath(nodeNetns(n.name)),
        addresses: [nodeIP(n)],
        apiserverListen: [`${KUBERNETES_SERVICE_IP}:443`],
      })),
    },
    null,
    2,
  )
  const gateway = trackedOf('netns-gateway')
  const running = livePid(gateway)
  const unchanged = fs.existsSync(GATEWAY_CONFIG) && fs.readFileSync(GATEWAY_CONFIG, 'utf8') === config
  if (running !== undefined && unchanged) return
  fs.writeFileSync(GATEWAY_CONFIG, config)
  fs.mkdirSync(LOG_DIR, { recursive: true })
  if (running !== undefined) {
    // The supervisor's child is the gateway: SIGHUP it, not the shell.
    for (const child of childrenOf(running)) process.kill(child, 'SIGHUP')
    return
  }
  const pid = startSupervised('netns-gateway', ['--config', GATEWAY_CONFIG])
  for (let i = 0; i < 100 && !fs.existsSync(EGRESS_SOCKET); i++) {
    if (livePid(gateway) === undefined) break
    await sleep(100)
  }
  if (!fs.existsSync(EGRESS_SOCKET)) throw new Error(`netns-gateway (pid ${pid}) did not start; tail of ${gateway.log}:\n${tail(gateway.log)}`)
}

/** The controller-manager (every default controller; node IPAM stays off) and the scheduler. */
export async function ensureControllers(controlPlane: ControlPlane): Promise<void> {
  fs.mkdirSync(LOG_DIR, { recursive: true })
  const kubeconfig = controlPlane.kubeconfigPath
  const common = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    // One of each runs; leader election would only add Lease writes.
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
  ]
  const kcm = trackedOf('kube-controller-manager')
  if (livePid(kcm) === undefined) {
    startSupervised('kube-controller-manager', [
      ...common,
      `--secure-port=${await freePort()}`,
      `--cert-dir=${path.join(RUN_DIR, 'kcm-certs')}`,
      `--service-account-private-key-file=${path.join(controlPlane.pkiDir, 'sa.key')}`,
      // Published into every namespace as kube-root-ca.crt: how pods verify the API server.
      `--root-ca-file=${path.join(controlPlane.pkiDir, 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      '--controllers=*',
      // No --allocate-node-cidrs: node IPAM would compete with the IPAM under test.
    ])
  }
  const scheduler = trackedOf('kube-scheduler')
  if (livePid(scheduler) === undefined) {
    startSupervised('kube-scheduler', [...common, `--secure-port=${await freePort()}`, `--cert-dir=${path.join(RUN_DIR, 'scheduler-certs')}`])
  }
}

export function hostProcessesRunning(): boolean {
  return HOST_PROCESSES.every((name) => livePid(trackedOf(name)) !== undefined)
}

export async function stopHostProcesses(): Promise<void> {
  for (const name of [...HOST_PROCESSES].reverse()) await stopTracked(trackedOf(name), 5_000)
}

export const hostProcessLog = (name: (typeof HOST_PROCESSES)[number]) => trackedOf(name).log

/** The pid of the binary a supervisor runs now (for its memory, or a signal). */
export const hostProcessPid = (name: (typeof HOST_PROCESSES)[number]): number | undefined => {
  const supervisor = livePid(trackedOf(name))
  return supervisor === undefined ? undefined : childrenOf(supervisor)[0]
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').map(Number).filter(Boolean)
  } catch {
    return []
  }
}
