// One node of the local cluster: a containerd and a kubelet that see the machine as a node of its
// own would. They run in the node's network namespace (network.ts) and in a mount and a UTS
// namespace of the node, in which the node-local paths a DaemonSet uses (/opt/cni/bin,
// /etc/cni/net.d, /var/run/spidernet, the kubelet's and containerd's dirs) are the node's own
// folders under .cache/cluster/nodes/<node>/root and /run is a fresh tmpfs. So the project's real
// manifests (hostPath volumes, the default paths of kubelet and containerd) apply unchanged.
import fs from 'node:fs'
import path from 'node:path'
import { binPath } from '../control-plane/build.ts'
import { execed, livePid, sleep, startTracked, stopTracked, tail, type Tracked } from '../control-plane/processes.ts'
import { nodeIP, type NodeDescription } from './description.ts'
import { run, tryRun } from './exec.ts'
import type { BuiltImage } from './images.ts'
import { pauseImage } from './images.ts'
import { NS_DIR, markedEnv, mountNsFile, netnsPath, nodeCgroup, nodeDir, nodeNetns, utsNsFile } from './paths.ts'

/** Node paths that get the node's own folder (bind mounts inside the node's mount namespace). */
export const NODE_PATHS = [
  '/etc/cni/net.d',
  '/opt/cni/bin',
  '/etc/containerd',
  '/etc/kubernetes',
  '/var/lib/kubelet',
  '/var/lib/containerd',
  '/var/lib/cni',
  '/var/log/pods',
  '/var/log/containers',
  // The CNI plugin's log (Spiderpool's default path): each node keeps its own.
  '/var/log/spidernet',
] as const

/** The node's folder that appears at `nodePath` inside the node. */
export const nodeRoot = (node: string, nodePath: string) => path.join(nodeDir(node), 'root', nodePath)

const tracked = (node: string, what: 'containerd' | 'kubelet'): Tracked => ({
  pidFile: path.join(nodeDir(node), `${what}.pid`),
  exe: what === 'kubelet' ? binPath('kubelet') : '/usr/bin/containerd',
  log: path.join(nodeDir(node), `${what}.log`),
})
export const kubeletOf = (node: string) => tracked(node, 'kubelet')
export const containerdOf = (node: string) => tracked(node, 'containerd')

/** `nsenter` into all of the node's namespaces. */
export const enterNode = (node: string) => ['nsenter', `--net=${netnsPath(nodeNetns(node))}`, `--mount=${mountNsFile(node)}`, `--uts=${utsNsFile(node)}`, '--']

/** Runs a command inside the node, as a process on that machine would. */
export const runInNode = (node: string, cmd: string, args: readonly string[]) => {
  const [nsenter, ...flags] = enterNode(node) as [string, ...string[]]
  return run(nsenter, [...flags, cmd, ...args])
}

const isMountpoint = (dir: string) =>
  fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir)

/**
 * The folder of the persistent namespace files must be a private mount: a mount namespace file
 * bind-mounted where mounts propagate could pin its namespace in a loop.
 */
async function ensureNsDir(): Promise<void> {
  fs.mkdirSync(NS_DIR, { recursive: true })
  if (isMountpoint(NS_DIR)) return
  await run('mount', ['--bind', NS_DIR, NS_DIR])
  await run('mount', ['--make-private', NS_DIR])
}

/** Makes the node's mount and UTS namespaces (hostname = node name) and its node paths. */
async function ensureNodeNamespaces(node: NodeDescription): Promise<void> {
  await ensureNsDir()
  const mnt = mountNsFile(node.name)
  if (isMountpoint(mnt)) return
  fs.writeFileSync(mnt, '')
  fs.writeFileSync(utsNsFile(node.name), '')
  await run('unshare', [`--mount=${mnt}`, `--uts=${utsNsFile(node.name)}`, '--propagation', 'private', 'hostname', node.name])
  const inNs = (...args: string[]) => run('nsenter', [`--mount=${mnt}`, '--', ...args])
  // A fresh /run: the node's containerd state, pod netns pins and /var/run/spidernet stay its own.
  await inNs('mount', '-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', '/run')
  for (const nodePath of NODE_PATHS) {
    const source = nodeRoot(node.name, nodePath)
    fs.mkdirSync(source, { recursive: true })
    await inNs('mount', '--bind', source, nodePath)
  }
}

/** The node's CRI: containerd 1.6 from Debian with the defaults a node would have. */
function containerdConfig(): string {
  return `version = 2
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage()}"
  # No CAP_SYS_RESOURCE on this kind of VM: nobody may lower oom_score_adj, and runc would fail
  # every sandbox the kubelet asks -998 for ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
    # The floor of the benchmarks (npm run bench:pods): pods of the RuntimeClass whose handler is
    # host-local get the same macvlan network with the reference host-local IPAM, from a folder
    # of their own (the default loader skips folders, so the node's network stays the seed's).
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${FLOOR_HANDLER}]
      runtime_type = "io.containerd.runc.v2"
      cni_conf_dir = "${FLOOR_CONF_DIR}"
      cni_max_conf_num = 1
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${FLOOR_HANDLER}.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
`
}

/** containerd's runtime handler (a RuntimeClass's `handler`) whose pods get the floor network. */
export const FLOOR_HANDLER = 'host-local'
export const FLOOR_CONF_DIR = '/etc/cni/net.d/host-local'
/** The floor network's name: host-local keeps its leases in /var/lib/cni/networks/<name>. */
export const FLOOR_NETWORK = 'macvlan-host-local'

/**
 * The floor network of a node: the seed's macvlan with host-local as IPAM, from a /24 of its own
 * (198.19.<last octet of the node's address>.0/24, in the benchmark range), since host-local
 * knows nothing of other nodes.
 */
export function floorNetworkConfig(node: NodeDescription): string {
  const octet = nodeIP(node).split('.')[3]
  return JSON.stringify(
    {
      cniVersion: '0.3.1',
      type: 'macvlan',
      mode: 'bridge',
      master: 'ens192',
      name: FLOOR_NETWORK,
      ipam: { type: 'host-local', ranges: [[{ subnet: `198.19.${octet}.0/24`, rangeStart: `198.19.${octet}.2`, rangeEnd: `198.19.${octet}.254` }]] },
    },
    null,
    2,
  )
}

function kubeletConfig(node: NodeDescription): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# The machine has cgroup v1, which kubelet 1.35 refuses unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /${nodeCgroup(node.name)}
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
failSwapOn: false
# The API server reaches the kubelet through netns-gateway without a client certificate; the
# port is only reachable inside the node's namespace.
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization:
  mode: AlwaysAllow
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
serializeImagePulls: false
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
# No registry to pull from: the imported images must never be collected.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
nodeStatusReportFrequency: 10s
`
}

export interface NodeAccess {
  /** PEM of the CA that signed the API server's serving certificate. */
  caPem: Buffer
  token: string
  /** host:port of the API server as seen from inside a node. */
  server: string
}

function kubeletKubeconfig(access: NodeAccess): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://${access.server}
    certificate-authority-data: ${access.caPem.toString('base64')}
users:
- name: kubelet
  user:
    token: ${access.token}
contexts:
- name: local
  context: {cluster: local, user: kubelet}
current-context: local
`
}

/** The cgroup folders of the node in every hierarchy (v1) or the unified tree (v2). */
export function nodeCgroupDirs(node: string): string[] {
  const root = '/sys/fs/cgroup'
  if (fs.existsSync(path.join(root, 'cgroup.controllers'))) return [path.join(root, nodeCgroup(node))]
  return fs
    .readdirSync(root)
    .filter((h) => h !== 'unified' && fs.statSync(path.join(root, h)).isDirectory())
    .map((h) => path.join(root, h, nodeCgroup(node)))
}

/** The kubelet refuses a cgroupRoot that does not exist in every hierarchy. */
function ensureCgroups(node: string): void {
  for (const dir of nodeCgroupDirs(node)) {
    fs.mkdirSync(dir, { recursive: true })
    const parent = path.dirname(dir)
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (path.basename(parent) === 'cpuset' && fs.existsSync(path.join(parent, file))) {
        const value = fs.readFileSync(path.join(parent, file), 'utf8').trim()
        if (fs.readFileSync(path.join(dir, file), 'utf8').trim() === '') fs.writeFileSync(path.join(dir, file), value)
      }
    }
  }
}

export interface NodeNetworkConfig {
  /** File name in /etc/cni/net.d. */
  name: string
  /** The CNI network configuration (a NetworkAttachmentDefinition's `config`). */
  config: string
}

// A node's processes get a node's plain environment, not the developer's shell.
const childEnv = () => markedEnv({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' })

async function waitForSocket(node: string, pid: number, socket: string, logFile: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    // The socket is in the node's /run: reach it through containerd's own root.
    if (fs.existsSync(`/proc/${pid}/root${socket}`)) return
    if (livePid(containerdOf(node)) === undefined) throw new Error(`containerd of ${node} exited; tail of ${logFile}:\n${tail(logFile)}`)
    await sleep(100)
  }
  throw new Error(`containerd of ${node} did not open ${socket} in 30 s; tail of ${logFile}:\n${tail(logFile)}`)
}

/** Prepares (once) and starts (when not running) the node's containerd and kubelet. */
export async function startNode(node: NodeDescription, access: NodeAccess, network: NodeNetworkConfig, images: readonly BuiltImage[]): Promise<void> {
  fs.mkdirSync(nodeDir(node.name), { recursive: true })
  await ensureNodeNamespaces(node)
  ensureCgroups(node.name)

  fs.writeFileSync(path.join(nodeRoot(node.name, '/etc/containerd'), 'config.toml'), containerdConfig())
  fs.writeFileSync(path.join(nodeRoot(node.name, '/var/lib/kubelet'), 'config.yaml'), kubeletConfig(node))
  fs.writeFileSync(path.join(nodeRoot(node.name, '/etc/kubernetes'), 'kubelet.conf'), kubeletKubeconfig(access), { mode: 0o600 })
  fs.writeFileSync(path.join(nodeRoot(node.name, '/etc/cni/net.d'), network.name), network.config)
  fs.mkdirSync(nodeRoot(node.name, FLOOR_CONF_DIR), { recursive: true })
  fs.writeFileSync(path.join(nodeRoot(node.name, FLOOR_CONF_DIR), `10-${FLOOR_NETWORK}.conf`), floorNetworkConfig(node))
  // The reference plugins (macvlan, loopback for the sandbox's lo...); the IPAM plugin is
  // installed by the project's DaemonSet, as on any cluster.
  const binDir = nodeRoot(node.name, '/opt/cni/bin')
  for (const plugin of fs.readdirSync('/usr/lib/cni')) {
    const link = path.join(binDir, plugin)
    if (!fs.existsSync(link)) fs.symlinkSync(path.join('/usr/lib/cni', plugin), link)
  }

  const containerd = containerdOf(node.name)
  let containerdPid = livePid(containerd)
  if (containerdPid === undefined) {
    containerdPid = startTracked(containerd, ['--config', '/etc/containerd/config.toml'], { wrapper: enterNode(node.name), env: childEnv() })
    if (!(await execed(containerd, containerdPid)))
      throw new Error(`containerd of ${node.name} did not start; tail of ${containerd.log}:\n${tail(containerd.log)}`)
  }
  const socket = `/proc/${containerdPid}/root/run/containerd/containerd.sock`
  await waitForSocket(node.name, containerdPid, '/run/containerd/containerd.sock', containerd.log)
  for (const image of images) await importImage(socket, image.archive)

  const kubelet = kubeletOf(node.name)
  if (livePid(kubelet) === undefined) {
    const labels = Object.entries(node.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const pid = startTracked(
      kubelet,
      [
        '--config=/var/lib/kubelet/config.yaml',
        '--kubeconfig=/etc/kubernetes/kubelet.conf',
        `--hostname-override=${node.name}`,
        `--node-ip=${nodeIP(node)}`,
        ...(labels ? [`--node-labels=${labels}`] : []),
        '--v=1',
      ],
      { wrapper: enterNode(node.name), env: childEnv() },
    )
    if (!(await execed(kubelet, pid))) throw new Error(`the kubelet of ${node.name} did not start; tail of ${kubelet.log}:\n${tail(kubelet.log)}`)
  }
}

/** Imports a docker-archive into the node's containerd, where the kubelet's CRI sees it. */
export async function importImage(containerdSocket: string, archive: string): Promise<void> {
  await run('ctr', ['-a', containerdSocket, '-n', 'k8s.io', 'images', 'import', '--no-unpack=false', archive])
}

/** The containerd socket of a running node, reachable from the host. */
export function containerdSocketOf(node: string): string | undefined {
  const pid = livePid(containerdOf(node))
  return pid === undefined ? undefined : `/proc/${pid}/root/run/containerd/containerd.sock`
}

const nsInode = (file: string): number | undefined => {
  try {
    return fs.statSync(file).ino
  } catch {
    return undefined
  }
}

/** Every process of the node: in its mount or network namespace, or in its cgroups. */
export function nodeProcesses(node: string): number[] {
  const mnt = nsInode(mountNsFile(node))
  const net = nsInode(netnsPath(nodeNetns(node)))
  const pids = new Set<number>()
  for (const dir of nodeCgroupDirs(node)) collectCgroupProcs(dir, pids)
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry)
    if (!pid || pid === process.pid) continue
    try {
      const inodeOf = (ns: string) => Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${ns}`))?.[1])
      if ((mnt !== undefined && inodeOf('mnt') === mnt) || (net !== undefined && inodeOf('net') === net)) pids.add(pid)
    } catch {
      /* gone meanwhile */
    }
  }
  return [...pids]
}

function collectCgroupProcs(dir: string, into: Set<number>): void {
  if (!fs.existsSync(dir)) return
  try {
    for (const pid of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').map(Number)) if (pid) into.add(pid)
  } catch {
    /* removed meanwhile */
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) collectCgroupProcs(path.join(dir, entry.name), into)
  }
}

/** Removes cgroup folders deepest first (only empty ones can go). */
function removeCgroupTree(dir: string): void {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name))
  }
  fs.rmdirSync(dir)
}

/**
 * Stops the node and removes everything of it but its network namespace: the kubelet first (so it
 * starts nothing new), then every process of the node (containerd, shims, containers), then the
 * namespaces' files (their mounts go with the last reference), cgroups and folders.
 */
export async function stopNode(node: string): Promise<void> {
  await stopTracked(kubeletOf(node), 10_000)
  await stopTracked(containerdOf(node), 5_000)
  for (let round = 0; round < 50; round++) {
    const pids = nodeProcesses(node)
    if (pids.length === 0) break
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
    await sleep(100)
  }
  const left = nodeProcesses(node)
  if (left.length > 0) throw new Error(`node ${node}: processes ${left.join(', ')} survive SIGKILL`)
  for (const file of [mountNsFile(node), utsNsFile(node)]) {
    if (isMountpoint(file)) await run('umount', [file])
    fs.rmSync(file, { force: true })
  }
  for (const dir of nodeCgroupDirs(node)) {
    // A cgroup can stay busy for a moment after its last task exits.
    for (let i = 0; ; i++) {
      try {
        removeCgroupTree(dir)
        break
      } catch (e) {
        if (i >= 50) throw new Error(`node ${node}: cannot remove ${dir}: ${(e as Error).message}`)
        await sleep(100)
      }
    }
  }
  fs.rmSync(nodeDir(node), { recursive: true, force: true })
}

/** Unmounts the namespace files' folder once no node uses it. */
export async function releaseNsDir(): Promise<void> {
  if (isMountpoint(NS_DIR)) await tryRun('umount', [NS_DIR])
  fs.rmSync(NS_DIR, { recursive: true, force: true })
}
