// Builds the Kubernetes binaries from the Go modules pinned in ./go.mod (no OS package ships
// them) into .cache/control-plane/bin. Two groups, each with its own stamp, so the fast
// integration tests never wait for the node binaries:
//
//   control-plane   kube-apiserver, etcd
//   cluster         kubelet, kube-controller-manager, kube-scheduler, netns-gateway
//
// A stamp is a hash of everything that decides what a group's binaries are (go.mod, go.sum,
// their mains, the build flags); a different hash means rebuild.
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tail } from './processes.ts'

const MODULE_DIR = path.dirname(fileURLToPath(import.meta.url))
export const REPO_ROOT = path.resolve(MODULE_DIR, '../..')
export const BIN_DIR = path.join(REPO_ROOT, '.cache', 'control-plane', 'bin')

export const BINARY_GROUPS = {
  'control-plane': ['kube-apiserver', 'etcd'],
  cluster: ['kubelet', 'kube-controller-manager', 'kube-scheduler', 'netns-gateway'],
} as const
export type BinaryGroup = keyof typeof BINARY_GROUPS
export type Binary = (typeof BINARY_GROUPS)[BinaryGroup][number]

// A cold build is many minutes on 2 cores. Override for slow CI.
export const BUILD_TIMEOUT_MS = Number(process.env.CONTROL_PLANE_BUILD_TIMEOUT_MS ?? 45 * 60_000)

const log = (msg: string) => process.stderr.write(`[build] ${msg}\n`)

export const binPath = (b: Binary) => path.join(BIN_DIR, b)

/** The pinned Kubernetes version, e.g. `1.35.4`. */
export function kubernetesVersion(): string {
  const pin = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+v(\d+\.\d+\.\S+)/m.exec(fs.readFileSync(path.join(MODULE_DIR, 'go.mod'), 'utf8'))
  if (!pin?.[1]) throw new Error(`no k8s.io/kubernetes requirement in ${MODULE_DIR}/go.mod`)
  return pin[1]
}

/** A file of the pinned k8s.io/kubernetes module's source (downloaded by the first build). */
export function kubernetesSourceFile(relative: string): string {
  const modCache = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).stdout.trim()
  return path.join(modCache, `k8s.io/kubernetes@v${kubernetesVersion()}`, relative)
}

/** `go build` arguments. The -X flags stamp the real version (the module source only carries
 *  a placeholder "v0.0.0-master"), so /version and kubectl report what is pinned in go.mod. */
function buildArgs(outDir: string, binaries: readonly Binary[]): string[] {
  const [major, minor, patch] = kubernetesVersion().split('.')
  const x = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=v${major}.${minor}.${patch}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ])
  // -trimpath and -s -w: smaller binaries, and builds that do not depend on where the repo is.
  const ldflags = ['-s', '-w', ...x].join(' ')
  return ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', outDir + path.sep, ...binaries.map((b) => `./cmd/${b}`)]
}

function buildStamp(binaries: readonly Binary[]): string {
  const h = createHash('sha256').update(buildArgs('', binaries).join('\n'))
  for (const f of ['go.mod', 'go.sum', ...binaries.map((b) => `cmd/${b}/main.go`)]) {
    h.update(f).update(fs.readFileSync(path.join(MODULE_DIR, f)))
  }
  return h.digest('hex')
}

const stampFile = (group: BinaryGroup) => path.join(BIN_DIR, `stamp-${group}`)

/** Whether the group's binaries exist and match the pin. */
export function binariesFresh(group: BinaryGroup): boolean {
  const binaries = BINARY_GROUPS[group]
  return (
    binaries.every((b) => fs.existsSync(binPath(b))) &&
    fs.existsSync(stampFile(group)) &&
    fs.readFileSync(stampFile(group), 'utf8').trim() === buildStamp(binaries)
  )
}

/** Builds the group's binaries unless they match the pin; returns whether it built. */
export async function ensureBinaries(group: BinaryGroup = 'control-plane'): Promise<boolean> {
  if (binariesFresh(group)) return false
  const binaries = BINARY_GROUPS[group]
  const stamp = buildStamp(binaries)

  const probe = spawnSync('go', ['version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Go toolchain not found: install Go >= 1.25 (https://go.dev/dl/, or the golang-go package ' +
        `if new enough) and put \`go\` on PATH; it builds ${binaries.join(', ')} from the pinned Go modules.`,
    )
  }
  const buildLog = path.join(REPO_ROOT, '.cache', 'control-plane', `build-${group}.log`)
  log(`building ${binaries.join(', ')} with ${probe.stdout.trim()} (cold: many minutes; log: ${buildLog})`)

  // Build into a scratch dir and move into place only on success, so a killed build never
  // leaves binaries that look current.
  const tmp = path.join(BIN_DIR, `.tmp-${group}`)
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.mkdirSync(tmp, { recursive: true })
  const out = fs.openSync(buildLog, 'w')
  const started = Date.now()
  // Not detached: Ctrl-C on the terminal must stop the build (and its compilers) too.
  const child = spawn('go', buildArgs(tmp, binaries), { cwd: MODULE_DIR, stdio: ['ignore', out, out] })
  fs.closeSync(out)
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve('timeout')
    }, BUILD_TIMEOUT_MS)
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve(e.message)
    })
    child.on('exit', (c, sig) => {
      clearTimeout(timer)
      resolve(c ?? String(sig))
    })
  })
  if (code !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true })
    throw new Error(
      `building ${binaries.join(', ')} failed (${code === 'timeout' ? `timed out after ${BUILD_TIMEOUT_MS / 1000}s` : `exit ${code}`}); ` +
        `tail of ${buildLog}:\n${tail(buildLog)}`,
    )
  }
  // A running binary cannot be overwritten in place (ETXTBSY), but rename replaces the name.
  for (const b of binaries) fs.renameSync(path.join(tmp, b), binPath(b))
  fs.writeFileSync(stampFile(group), stamp + '\n')
  fs.rmSync(tmp, { recursive: true, force: true })
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`)
  return true
}
