// What the local cluster needs from the machine, and installing it from Debian's packages when
// run as root. A missing prerequisite stops `cluster:up` at once with the command that fixes it.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'

interface Requirement {
  /** A path that exists when the requirement is met (command paths are searched on PATH). */
  check: { command: string } | { file: string }
  /** Debian package that provides it. */
  apt: string
  why: string
}

const REQUIREMENTS: readonly Requirement[] = [
  { check: { command: 'ip' }, apt: 'iproute2', why: 'network namespaces of the nodes and the router' },
  { check: { command: 'nsenter' }, apt: 'util-linux', why: 'running node processes in their namespaces' },
  { check: { command: 'containerd' }, apt: 'containerd', why: 'the container runtime of every node' },
  { check: { command: 'ctr' }, apt: 'containerd', why: 'importing the locally built images' },
  { check: { command: 'runc' }, apt: 'runc', why: 'the OCI runtime containerd runs' },
  { check: { file: '/bin/busybox' }, apt: 'busybox-static', why: 'the test-app image (sh, ping, sleep)' },
  { check: { command: 'gcc' }, apt: 'gcc', why: 'compiling the pause image' },
  { check: { file: '/usr/lib/x86_64-linux-gnu/libc.a' }, apt: 'libc6-dev', why: 'linking the pause image statically' },
  { check: { file: '/usr/lib/cni/macvlan' }, apt: 'containernetworking-plugins', why: 'the nodes\' pod network (macvlan) and loopback' },
  { check: { command: 'tar' }, apt: 'tar', why: 'writing image archives' },
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
export function missingPackages(): string[] {
  return [...new Set(REQUIREMENTS.filter((r) => !met(r)).map((r) => r.apt))]
}

export const isRoot = () => process.getuid?.() === 0

/**
 * Fails unless the machine can run the cluster; as root, installs missing packages first
 * (saying what and why).
 */
export function ensurePrerequisites(say: (line: string) => void): void {
  if (!isRoot()) {
    throw new Error('the local cluster needs root (network namespaces, mounts, cgroups, containerd): run it as root, e.g. sudo npm run cluster:up')
  }
  const missing = missingPackages()
  if (missing.length > 0) {
    const reasons = REQUIREMENTS.filter((r) => missing.includes(r.apt) && !met(r)).map((r) => `${r.apt} (${r.why})`)
    say(`installing ${reasons.join(', ')} with apt-get`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const update = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8', timeout: 300_000 })
    const install =
      update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { env, encoding: 'utf8', timeout: 600_000 }) : update
    if (install.status !== 0) {
      const output = `${install.stderr ?? ''}${install.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n')
      throw new Error(
        `apt-get could not install ${missing.join(' ')} (${install.error?.message ?? `exit ${install.status}`}):\n${output}\n` +
          `install them by hand: apt-get update && apt-get install -y ${missing.join(' ')}`,
      )
    }
    const still = missingPackages()
    if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(' ')}`)
  }
  // The kubelet's mounts (volumes, sandboxes) need a kernel with overlayfs.
  if (!fs.readFileSync('/proc/filesystems', 'utf8').includes('overlay')) {
    try {
      execFileSync('modprobe', ['overlay'])
    } catch {
      throw new Error('the kernel has no overlayfs (containerd\'s snapshotter): modprobe overlay')
    }
  }
}
