// `npm run cluster:up` / `cluster:down`: a real Kubernetes cluster on this machine. The control
// plane (etcd, kube-apiserver) with kube-controller-manager and kube-scheduler on the host's
// loopback; every node a network + mount + UTS namespace running containerd and a kubelet;
// netns-gateway between the two; the seed's zones behind a router. Everything is built from the
// pinned Go modules and Debian packages, and `down` removes everything `up` made.
import fs from 'node:fs'
import path from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { REPO_ROOT, ensureBinaries } from '../control-plane/build.ts'
import { ControlPlane } from '../control-plane/control-plane.ts'
import { isAlive, livePid, sleep, tail, withDirLock } from '../control-plane/processes.ts'
import { ensureControllers, ensureGateway, hostProcessesRunning, stopHostProcesses, writeEgressSelectorConfig, EGRESS_CONFIG } from './controllers.ts'
import { describeCluster, type ClusterDescription, type NodeDescription } from './description.ts'
import { ensureClusterImages } from './images.ts'
import { clusterNetns, ensureNodeNetwork, ensureZones, removeAllNetworks, KUBERNETES_SERVICE_IP } from './network.ts'
import { NODE_PATHS, containerdOf, kubeletOf, releaseNsDir, startNode, stopNode, type NodeNetworkConfig } from './node.ts'
import {
  CLUSTER_DIR,
  CLUSTER_ENV_MARK,
  CLUSTER_ID,
  IMAGES_DIR,
  NODES_DIR,
  NS_DIR,
  REGISTRY_DIR,
  REGISTRY_ENTRY,
  SHARED_MOUNTPOINTS_FILE,
  STATE_FILE,
  clusterCgroupDirs,
  markedEnv,
} from './paths.ts'
import { ensureClusterPrerequisites } from '../host-packages.ts'

export const clusterControlPlane = new ControlPlane({
  dir: path.join(CLUSTER_DIR, 'control-plane'),
  contextName: 'spinneret-local',
  cluster: { egressSelectorConfigFile: EGRESS_CONFIG },
  env: markedEnv(),
})

/** The node's pod network: the seed's NetworkAttachmentDefinition `macvlan-conf` (see README). */
export const NODE_NETWORK_SOURCE = path.join(REPO_ROOT, 'manifests/examples/seed/40-macvlan-conf.yaml')

interface ClusterState {
  nodes: NodeDescription[]
}

const readState = (): ClusterState | undefined => {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as ClusterState
  } catch {
    return undefined
  }
}
const writeState = (s: ClusterState) => {
  fs.mkdirSync(CLUSTER_DIR, { recursive: true })
  fs.writeFileSync(STATE_FILE, JSON.stringify(s, null, 2) + '\n')
}

const say = (line: string) => process.stderr.write(`[cluster] ${line}\n`)
const withLock = <T>(fn: () => Promise<T>) => {
  fs.mkdirSync(CLUSTER_DIR, { recursive: true })
  return withDirLock(path.join(CLUSTER_DIR, 'lock'), 60 * 60_000, say, fn)
}

/** The folders of other checkouts' clusters on this machine. */
function otherClusters(): string[] {
  if (!fs.existsSync(REGISTRY_DIR)) return []
  return fs
    .readdirSync(REGISTRY_DIR)
    .filter((entry) => entry !== CLUSTER_ID && entry !== path.basename(SHARED_MOUNTPOINTS_FILE))
    .map((entry) => fs.readFileSync(path.join(REGISTRY_DIR, entry), 'utf8').trim())
    .filter((dir) => dir !== CLUSTER_DIR && fs.existsSync(path.join(dir, 'state.json')))
}

const register = () => {
  fs.mkdirSync(REGISTRY_DIR, { recursive: true })
  fs.writeFileSync(REGISTRY_ENTRY, `${CLUSTER_DIR}\n`)
}

/** The node paths' mount points the clusters created on the host, machine-wide. */
const sharedMountpoints = (): string[] =>
  fs.existsSync(SHARED_MOUNTPOINTS_FILE) ? fs.readFileSync(SHARED_MOUNTPOINTS_FILE, 'utf8').split('\n').filter(Boolean) : []

/** The last cluster to go removes the mount points the clusters created (those still empty). */
function removeSharedMountpoints(): void {
  if (otherClusters().length > 0) return
  for (const p of sharedMountpoints().reverse()) {
    try {
      fs.rmdirSync(p)
    } catch (e) {
      // Something else put files there since: it is not ours to remove.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') say(`left ${p}: ${(e as Error).message}`)
    }
  }
  fs.rmSync(SHARED_MOUNTPOINTS_FILE, { force: true })
}

/** The nodes of the cluster that `up` made (running or not). */
export const clusterNodes = (): NodeDescription[] => readState()?.nodes ?? []

/** Creates the node paths' mount points on the host, noting the folders it had to create. */
function ensureHostMountpoints(): void {
  const created: string[] = []
  for (const nodePath of NODE_PATHS) {
    const missing: string[] = []
    for (let p: string = nodePath; !fs.existsSync(p); p = path.dirname(p)) missing.unshift(p)
    for (const p of missing) {
      fs.mkdirSync(p)
      created.push(p)
    }
  }
  if (created.length > 0) fs.writeFileSync(SHARED_MOUNTPOINTS_FILE, [...sharedMountpoints(), ...created].map((p) => `${p}\n`).join(''))
}

function nodeNetworkConfig(): NodeNetworkConfig {
  const nad = k8s.loadYaml<{ metadata: { name: string }; spec: { config: string } }>(fs.readFileSync(NODE_NETWORK_SOURCE, 'utf8'))
  return { name: `10-${nad.metadata.name}.conf`, config: nad.spec.config }
}

/** The admin's API client of the cluster. */
export function clusterKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(clusterControlPlane.kubeconfigPath)
  return kc
}

const readyOf = (n: k8s.V1Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'

async function waitNodesReady(nodes: readonly NodeDescription[], timeoutMs: number): Promise<void> {
  const core = clusterKubeConfig().makeApiClient(k8s.CoreV1Api)
  const deadline = Date.now() + timeoutMs
  const pending = new Set(nodes.map((n) => n.name))
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const node = await core.readNode({ name }).catch(() => undefined)
      if (node && readyOf(node)) pending.delete(name)
    }
    if (pending.size === 0) return
    for (const name of pending) {
      for (const t of [kubeletOf(name), containerdOf(name)]) {
        if (livePid(t) === undefined) throw new Error(`node ${name}: ${path.basename(t.exe)} exited; tail of ${t.log}:\n${tail(t.log)}`)
      }
    }
    if (Date.now() > deadline) {
      const name = [...pending][0] as string
      throw new Error(
        `node(s) ${[...pending].join(', ')} not Ready after ${timeoutMs / 1000} s; ` +
          `tail of ${kubeletOf(name).log}:\n${tail(kubeletOf(name).log, 25)}\ntail of ${containerdOf(name).log}:\n${tail(containerdOf(name).log, 15)}`,
      )
    }
    await sleep(250)
  }
}

/** Node roles are labels the kubelet may not set on itself (NodeRestriction); kubeadm sets them. */
async function labelRoles(nodes: readonly NodeDescription[]): Promise<void> {
  const core = clusterKubeConfig().makeApiClient(k8s.CoreV1Api)
  for (const node of nodes.filter((n) => n.controlPlane)) {
    await core.patchNode(
      { name: node.name, body: { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
  }
}

export interface ClusterUp {
  kubeconfigPath: string
  /** false when a running cluster was reused as it was */
  started: boolean
  description: ClusterDescription
}

async function clusterRuns(state: ClusterState | undefined): Promise<boolean> {
  if (!state || !(await clusterControlPlane.running()) || !hostProcessesRunning()) return false
  return state.nodes.every((n) => livePid(kubeletOf(n.name)) !== undefined && livePid(containerdOf(n.name)) !== undefined)
}

/**
 * Brings the cluster up (building what is missing), or reuses the one that runs. Without `nodes`
 * a running cluster is reused as it is (2 nodes when none runs); with it, a running cluster with
 * fewer nodes gets the missing ones, one with other nodes is refused.
 */
export async function up({ nodes, readyTimeoutMs = 90_000 }: { nodes?: number; readyTimeoutMs?: number } = {}): Promise<ClusterUp> {
  const description = describeCluster(nodes ?? readState()?.nodes.length ?? 2)
  ensureClusterPrerequisites(say)
  if (await ensureBinaries('control-plane')) say('built kube-apiserver and etcd')
  if (await ensureBinaries('cluster')) say('built kubelet, kube-controller-manager, kube-scheduler, netns-gateway')
  const images = await ensureClusterImages()

  return withLock(async () => {
    const state = readState()
    if (state) {
      const clash = state.nodes.find((n, i) => JSON.stringify(n) !== JSON.stringify(description.nodes[i]))
      if (clash || state.nodes.length > description.nodes.length) {
        throw new Error(
          `a cluster with nodes ${state.nodes.map((n) => n.name).join(', ')} exists; ` +
            `it cannot become ${description.nodes.map((n) => n.name).join(', ')}: npm run cluster:down first`,
        )
      }
      if (state.nodes.length === description.nodes.length && (await clusterRuns(state))) {
        await waitNodesReady(description.nodes, readyTimeoutMs)
        return { kubeconfigPath: clusterControlPlane.kubeconfigPath, started: false, description }
      }
    }
    register()
    // Saved before anything is made, so `down` can remove a half-made cluster.
    writeState({ nodes: [...description.nodes] })
    await ensureZones(description)
    for (const [index, node] of description.nodes.entries()) await ensureNodeNetwork(description, node, index)
    writeEgressSelectorConfig()
    await clusterControlPlane.up()
    ensureHostMountpoints()
    await ensureGateway(clusterControlPlane, description.nodes)
    await ensureControllers(clusterControlPlane)

    const cp = clusterControlPlane.state()
    if (!cp) throw new Error('the control plane has no state after up')
    const access = {
      caPem: fs.readFileSync(path.join(clusterControlPlane.pkiDir, 'apiserver.crt')),
      token: cp.token,
      server: `${KUBERNETES_SERVICE_IP}:443`,
    }
    const network = nodeNetworkConfig()
    for (const node of description.nodes) await startNode(node, access, network, images)
    await waitNodesReady(description.nodes, readyTimeoutMs)
    await labelRoles(description.nodes)
    return { kubeconfigPath: clusterControlPlane.kubeconfigPath, started: true, description }
  })
}

/** Removes everything `up` made (the build caches stay: binaries and images). */
export function down(): Promise<void> {
  return withLock(async () => {
    const state = readState()
    const nodes = new Set([...(state?.nodes.map((n) => n.name) ?? []), ...(fs.existsSync(NODES_DIR) ? fs.readdirSync(NODES_DIR) : [])])
    for (const node of nodes) await stopNode(node)
    await stopHostProcesses()
    await clusterControlPlane.down()
    await removeAllNetworks()
    await releaseNsDir()
    fs.rmSync(STATE_FILE, { force: true })
    removeSharedMountpoints()
    fs.rmSync(REGISTRY_ENTRY, { force: true })
    try {
      fs.rmdirSync(REGISTRY_DIR) // only when no cluster is left in it
    } catch {
      /* another cluster's entry, or gone already */
    }
    for (const entry of fs.existsSync(CLUSTER_DIR) ? fs.readdirSync(CLUSTER_DIR) : []) {
      if (path.join(CLUSTER_DIR, entry) !== IMAGES_DIR && entry !== 'lock') fs.rmSync(path.join(CLUSTER_DIR, entry), { recursive: true, force: true })
    }
  })
}

/** What of a cluster exists on the machine; empty after `down`. */
export function leftovers(): string[] {
  const found: string[] = []
  for (const name of clusterNetns()) found.push(`network namespace ${name}`)
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4]
    if (mountPoint?.startsWith(CLUSTER_DIR)) found.push(`mount ${mountPoint}`)
  }
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry)
    if (!pid || pid === process.pid || !isAlive(pid)) continue
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${CLUSTER_ENV_MARK}=${CLUSTER_DIR}`)) {
        found.push(`process ${pid} (${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()})`)
      }
    } catch {
      /* gone meanwhile */
    }
  }
  for (const t of [clusterControlPlane.tracked('etcd'), clusterControlPlane.tracked('kube-apiserver')]) {
    if (livePid(t) !== undefined) found.push(`process ${path.basename(t.exe)}`)
  }
  if (fs.existsSync(NODES_DIR)) for (const node of fs.readdirSync(NODES_DIR)) found.push(`node folder ${node}`)
  for (const dir of clusterCgroupDirs()) found.push(`cgroup ${dir}`)
  if (fs.existsSync(NS_DIR)) found.push(`folder ${NS_DIR}`)
  if (fs.existsSync(REGISTRY_ENTRY)) found.push(`file ${REGISTRY_ENTRY}`)
  if (otherClusters().length === 0) for (const p of sharedMountpoints()) if (fs.existsSync(p)) found.push(`mount point ${p}`)
  if (fs.existsSync(STATE_FILE)) found.push(`state ${STATE_FILE}`)
  return found
}
