// Where the local cluster keeps its files: everything under .cache/cluster/, except the
// namespaces' names in /run/netns, the cgroups it makes (see node.ts and network.ts) and its
// entry in the machine's registry of clusters.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '../control-plane/build.ts'

export const CLUSTER_DIR = path.join(REPO_ROOT, '.cache', 'cluster')
/**
 * Tells this checkout's cluster from another's on the same machine (two worktrees may each run
 * one): it is in every machine-wide name the cluster makes.
 */
export const CLUSTER_ID = createHash('sha256').update(CLUSTER_DIR).digest('hex').slice(0, 6)
export const STATE_FILE = path.join(CLUSTER_DIR, 'state.json')
export const RUN_DIR = path.join(CLUSTER_DIR, 'run')
export const NODES_DIR = path.join(CLUSTER_DIR, 'nodes')
/** Persistent mount and UTS namespaces of the nodes (bind mounts of /proc/<pid>/ns/*). */
export const NS_DIR = path.join(CLUSTER_DIR, 'ns')
export const IMAGES_DIR = path.join(CLUSTER_DIR, 'images')

/** Every name this cluster gives a network namespace starts with this. */
export const NETNS_PREFIX = `spnc-${CLUSTER_ID}-`
export const ROUTER_NETNS = `${NETNS_PREFIX}router`
export const nodeNetns = (node: string) => `${NETNS_PREFIX}${node}`
export const netnsPath = (name: string) => `/run/netns/${name}`

export const nodeDir = (node: string) => path.join(NODES_DIR, node)
export const mountNsFile = (node: string) => path.join(NS_DIR, `${node}.mnt`)
export const utsNsFile = (node: string) => path.join(NS_DIR, `${node}.uts`)
/** The cgroup (in every v1 hierarchy, or the v2 tree) under which the node's kubelet puts its pods. */
export const nodeCgroup = (node: string) => `spinneret-${CLUSTER_ID}-${node}`

/** Marks every process the cluster starts (and what they start), so leftovers can be found. */
export const CLUSTER_ENV_MARK = 'SPINNERET_LOCAL_CLUSTER'
export const markedEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...env, [CLUSTER_ENV_MARK]: CLUSTER_DIR })

/** Cgroup folders of this cluster's nodes that exist, in any hierarchy. */
export function clusterCgroupDirs(): string[] {
  const root = '/sys/fs/cgroup'
  const hierarchies = fs.existsSync(path.join(root, 'cgroup.controllers'))
    ? [root]
    : fs
        .readdirSync(root)
        .map((h) => path.join(root, h))
        .filter((h) => path.basename(h) !== 'unified' && fs.statSync(h).isDirectory())
  return hierarchies.flatMap((h) =>
    fs
      .readdirSync(h)
      .filter((e) => e.startsWith(`spinneret-${CLUSTER_ID}-`))
      .map((e) => path.join(h, e)),
  )
}

/**
 * The machine's local clusters: a file per cluster naming its folder, and the node paths' mount
 * points the clusters created on the host (shared: removed by the last cluster to go).
 */
export const REGISTRY_DIR = '/run/spinneret-local-clusters'
export const REGISTRY_ENTRY = path.join(REGISTRY_DIR, CLUSTER_ID)
export const SHARED_MOUNTPOINTS_FILE = path.join(REGISTRY_DIR, 'created-mountpoints')
