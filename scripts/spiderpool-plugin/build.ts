// Spiderpool's own CNI IPAM plugin (`spiderpool`), built from its published Go module, so tests
// can prove that Spinneret is a drop-in for Spiderpool's agent: the same binary a Spiderpool
// cluster installs talks to our service. Nothing of Spiderpool's code is committed here; the
// module comes from the Go module proxy like any dependency. Everything lives under
// .cache/spiderpool-plugin/:
//
//   bin/spiderpool, bin/stamp   the plugin and a hash of what it was built from
//   build.log                   output of the last build
//
// `go install …@v1.2.2` is refused (Spiderpool's go.mod has replace directives), and the module
// cache holds the source read-only, so the build runs in a writable copy of the module's Dir.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { goBuild } from '../go-build.ts'

/** The Spiderpool release whose plugin Spinneret is proven against. */
export const SPIDERPOOL_MODULE = 'github.com/spidernet-io/spiderpool'
export const SPIDERPOOL_VERSION = 'v1.2.2'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const PLUGIN_CACHE_DIR = path.join(ROOT, '.cache', 'spiderpool-plugin')
const BIN_DIR = path.join(PLUGIN_CACHE_DIR, 'bin')
/** Named as Spiderpool installs it: a network config's `"ipam": {"type": "spiderpool"}` finds it. */
export const SPIDERPOOL_PLUGIN = path.join(BIN_DIR, 'spiderpool')
const STAMP = path.join(BIN_DIR, 'stamp')
const BUILD_LOG = path.join(PLUGIN_CACHE_DIR, 'build.log')

// A cold build (its dependencies downloaded and compiled) takes minutes on 2 cores.
const BUILD_TIMEOUT_MS = Number(process.env.SPIDERPOOL_PLUGIN_BUILD_TIMEOUT_MS ?? 30 * 60_000)

const log = (msg: string) => process.stderr.write(`[spiderpool-plugin] ${msg}\n`)

/** `go build` arguments; main.version is what Spiderpool's Makefile stamps into its release. */
const buildArgs = (out: string): string[] => ['build', '-trimpath', `-ldflags=-s -w -X main.version=${SPIDERPOOL_VERSION}`, '-o', out, './cmd/spiderpool']

/** Hash of everything that decides what the binary is; a different hash means rebuild. */
export const pluginStamp = (): string =>
  createHash('sha256').update(`${SPIDERPOOL_MODULE}@${SPIDERPOOL_VERSION}\n`).update(buildArgs('').join('\n')).digest('hex')

const isFresh = (): boolean => fs.existsSync(SPIDERPOOL_PLUGIN) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === pluginStamp()

const requireGo = (): string => {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `Go toolchain not found: install Go >= 1.25 (https://go.dev/dl/) and put \`go\` on PATH; it builds ` +
        `Spiderpool's CNI plugin (${SPIDERPOOL_MODULE}@${SPIDERPOOL_VERSION}) for the drop-in tests.`,
    )
  }
  return probe.stdout.trim()
}

interface ModuleDownload {
  Dir?: string
  Sum?: string
  Error?: string
}

/** Fetches the module into Go's module cache (verified against sum.golang.org) and returns its Dir. */
const downloadModule = (): string => {
  const ref = `${SPIDERPOOL_MODULE}@${SPIDERPOOL_VERSION}`
  const run = spawnSync('go', ['mod', 'download', '-json', ref], { cwd: PLUGIN_CACHE_DIR, encoding: 'utf8', env: { ...process.env, GOWORK: 'off' } })
  let info: ModuleDownload | undefined
  try {
    info = JSON.parse(run.stdout) as ModuleDownload
  } catch {
    info = undefined
  }
  if (run.status !== 0 || !info?.Dir) {
    throw new Error(`go mod download ${ref} failed: ${info?.Error ?? (run.stderr.trim() || `exit ${run.status}`)}`)
  }
  return info.Dir
}

/** Copies the module source (read-only in the module cache) to a directory we may write. */
const writableCopy = (from: string, to: string): void => {
  fs.rmSync(to, { recursive: true, force: true })
  fs.cpSync(from, to, { recursive: true })
  const makeWritable = (dir: string) => {
    fs.chmodSync(dir, 0o755)
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name)
      if (entry.isDirectory()) makeWritable(p)
      else if (entry.isFile()) fs.chmodSync(p, 0o644)
    }
  }
  makeWritable(to)
}

/**
 * Builds Spiderpool's plugin unless the cached binary matches the pin; returns its path and
 * whether it built. Go's module and build caches are shared with every other Go build.
 */
export async function ensureSpiderpoolPlugin(): Promise<{ path: string; built: boolean }> {
  if (isFresh()) return { path: SPIDERPOOL_PLUGIN, built: false }
  const go = requireGo()
  fs.mkdirSync(PLUGIN_CACHE_DIR, { recursive: true })
  const moduleDir = downloadModule()
  // Per-process scratch: two builds at once waste work but never see each other's half.
  const scratch = path.join(PLUGIN_CACHE_DIR, `build-${process.pid}`)
  const srcDir = path.join(scratch, 'src')
  const out = path.join(scratch, 'spiderpool')
  const started = Date.now()
  try {
    writableCopy(moduleDir, srcDir)
    log(`building ${SPIDERPOOL_MODULE}/cmd/spiderpool@${SPIDERPOOL_VERSION} with ${go} (cold: minutes; log: ${BUILD_LOG})`)
    await goBuild({
      args: buildArgs(out),
      cwd: srcDir,
      log: BUILD_LOG,
      timeoutMs: BUILD_TIMEOUT_MS,
      what: "Spiderpool's plugin",
      env: { ...process.env, GOWORK: 'off' },
    })
    fs.mkdirSync(BIN_DIR, { recursive: true })
    // Moved into place only once built, so a killed build never leaves a binary that looks current.
    fs.renameSync(out, SPIDERPOOL_PLUGIN)
    fs.writeFileSync(STAMP, `${pluginStamp()}\n`)
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true })
  }
  log(`built in ${Math.round((Date.now() - started) / 1000)}s: ${SPIDERPOOL_PLUGIN}`)
  return { path: SPIDERPOOL_PLUGIN, built: true }
}
