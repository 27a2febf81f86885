// What the local cluster and the network tests need from the machine, and installing it from
// Debian's packages when run as root: `npm run demo` and `npm test` on a fresh machine need no
// manual apt step. A missing prerequisite that cannot be installed stops at once with the
// command that fixes it.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'

export interface Requirement {
  /** A path that exists when the requirement is met (command paths are searched on PATH). */
  check: { command: string } | { file: string }
  /** Debian package that provides it. */
  apt: string
  why: string
}

/** The local cluster's (scripts/cluster). */
export const CLUSTER_REQUIREMENTS: readonly Requirement[] = [
  { check: { command: 'ip' }, apt: 'iproute2', why: 'network namespaces of the nodes and the router' },
  { check: { command: 'nsenter' }, apt: 'util-linux', why: 'running node processes in their namespaces' },
  { check: { command: 'containerd' }, apt: 'containerd', why: 'the container runtime of every node' },
  { check: { command: 'ctr' }, apt: 'containerd', why: 'importing the locally built images' },
  { check: { command: 'runc' }, apt: 'runc', why: 'the OCI runtime containerd runs' },
  { check: { file: '/bin/busybox' }, apt: 'busybox-static', why: 'the test-app image (sh, ping, sleep)' },
  { check: { command: 'gcc' }, apt: 'gcc', why: 'compiling the pause image' },
  { check: { file: '/usr/lib/x86_64-linux-gnu/libc.a' }, apt: 'libc6-dev', why: 'linking the pause image statically' },
  { check: { file: '/usr/lib/cni/macvlan' }, apt: 'containernetworking-plugins', why: "the nodes' pod network (macvlan) and loopback" },
  { check: { command: 'tar' }, apt: 'tar', why: 'writing image archives' },
]

/** The CNI tests in network namespaces (test/cni-netns.test.ts and the like). */
export const NETNS_TEST_REQUIREMENTS: readonly Requirement[] = [
  { check: { command: 'ip' }, apt: 'iproute2', why: "the tests' network namespaces" },
  { check: { file: '/usr/lib/cni/macvlan' }, apt: 'containernetworking-plugins', why: 'the reference macvlan plugin the tests run' },
  { check: { command: 'ping' }, apt: 'iputils-ping', why: "pings between the tests' namespaces" },
]

const onPath = (command: string) =>
  (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => {
    try {
      fs.accessSync(`${dir}/${command}`, fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  })

const met = (r: Requirement) => ('command' in r.check ? onPath(r.check.command) : fs.existsSync(r.check.file))

/** Packages that would fix what is missing. */
export function missingPackages(requirements: readonly Requirement[]): string[] {
  return [...new Set(requirements.filter((r) => !met(r)).map((r) => r.apt))]
}

export const isRoot = () => process.getuid?.() === 0

/**
 * Installs what is missing of `requirements` with apt-get when root (saying what and why);
 * fails naming the packages when it cannot.
 */
export function ensurePackages(requirements: readonly Requirement[], say: (line: string) => void): void {
  const missing = missingPackages(requirements)
  if (missing.length > 0) {
    if (!isRoot()) throw new Error(`missing ${missing.join(' ')}: apt-get install -y ${missing.join(' ')} (as root)`)
    const reasons = requirements.filter((r) => missing.includes(r.apt) && !met(r)).map((r) => `${r.apt} (${r.why})`)
    say(`installing ${reasons.join(', ')} with apt-get`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8', timeout: 300_000 })
    const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, encoding: 'utf8', timeout: 600_000 }) : update
    if (install.status !== 0) {
      const output = `${install.stderr ?? ''}${install.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n')
      throw new Error(
        `apt-get could not install ${missing.join(' ')} (${install.error?.message ?? `exit ${install.status}`}):\n${output}\n` +
          `install them by hand: apt-get update && apt-get install -y ${missing.join(' ')}`,
      )
    }
    const still = missingPackages(requirements)
    if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(' ')}`)
  }
}

/**
 * Fails unless the machine can run the cluster; as root, installs missing packages first.
 */
export function ensureClusterPrerequisites(say: (line: string) => void): void {
  if (!isRoot()) {
    throw new Error('the local cluster needs root (network namespaces, mounts, cgroups, containerd): run it as root, e.g. sudo npm run cluster:up')
  }
  ensurePackages(CLUSTER_REQUIREMENTS, say)
  // The kubelet's mounts (volumes, sandboxes) need a kernel with overlayfs.
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    try {
      execFileSync('modprobe', ['overlay'])
    } catch {
      throw new Error("the kernel has no overlayfs (containerd's snapshotter): modprobe overlay")
    }
  }
}
