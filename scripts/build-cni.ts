/**
 * Compiles the CNI plugin (cni/main.ts) into one executable with `bun build --compile`:
 * `npm run build:cni` writes dist/cni/spinneret and a hard link dist/cni/spiderpool, so network
 * configs written for Spiderpool (`"ipam": {"type": "spiderpool"}`) find it under its name.
 *
 * Flags, measured (scripts/bench-cni.ts): `--bytecode` (which needs `--format=esm`) halves the cold
 * start by skipping parsing at run time; `--minify` changes little but costs nothing. The compiled
 * binary must not read `.env` or `bunfig.toml` from the directory the runtime starts it in.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { arch, platform } from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export interface BuildCniOptions {
  /** Defaults to dist/cni in the repository. */
  readonly outDir?: string
  readonly minify?: boolean
  readonly bytecode?: boolean
}

export interface BuiltCni {
  readonly binary: string
  readonly spiderpoolAlias: string
  readonly bytes: number
  readonly buildMs: number
  readonly bunVersion: string
}

const works = (bin: string): string | undefined => {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' })
  return run.status === 0 ? run.stdout.trim() : undefined
}

/**
 * The bun of the npm devDependency. Its bin/bun.exe is a placeholder until its postinstall ran;
 * the platform package (@oven/bun-<os>-<arch>) holds the same binary either way.
 */
export const findBun = (): { path: string; version: string } => {
  const require = createRequire(import.meta.url)
  const candidates: string[] = []
  const platformPackage = `@oven/bun-${platform}-${arch === 'arm64' ? 'aarch64' : arch}`
  for (const id of ['bun/package.json', `${platformPackage}/package.json`]) {
    try {
      const dir = dirname(require.resolve(id))
      candidates.push(join(dir, 'bin', id.startsWith('bun/') ? 'bun.exe' : 'bun'))
    } catch {
      // not installed: try the next one
    }
  }
  for (const path of candidates) {
    const version = works(path)
    if (version) return { path, version }
  }
  throw new Error(`bun is not installed (looked at ${candidates.join(', ') || 'nothing'}): run npm ci`)
}

export const buildCni = (options: BuildCniOptions = {}): BuiltCni => {
  const { minify = true, bytecode = true } = options
  const outDir = options.outDir ?? join(REPO_ROOT, 'dist', 'cni')
  const bun = findBun()
  mkdirSync(outDir, { recursive: true })
  const binary = join(outDir, 'spinneret')
  const spiderpoolAlias = join(outDir, 'spiderpool')
  // Build beside and rename: replacing a binary a runtime may be executing must be atomic.
  const temporary = `${binary}.tmp`
  const args = [
    'build',
    '--compile',
    ...(minify ? ['--minify'] : []),
    ...(bytecode ? ['--bytecode', '--format=esm'] : []),
    '--no-compile-autoload-dotenv',
    '--no-compile-autoload-bunfig',
    join(REPO_ROOT, 'cni', 'main.ts'),
    '--outfile',
    temporary,
  ]
  const started = performance.now()
  const run = spawnSync(bun.path, args, { cwd: REPO_ROOT, encoding: 'utf8' })
  const buildMs = performance.now() - started
  if (run.status !== 0) throw new Error(`bun build failed (${run.status}):\n${run.stdout}\n${run.stderr}`)
  renameSync(temporary, binary)
  rmSync(spiderpoolAlias, { force: true })
  try {
    linkSync(binary, spiderpoolAlias)
  } catch {
    copyFileSync(binary, spiderpoolAlias)
  }
  return { binary, spiderpoolAlias, bytes: statSync(binary).size, buildMs, bunVersion: bun.version }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const built = buildCni()
  const mb = (built.bytes / 1024 / 1024).toFixed(1)
  process.stdout.write(
    `built ${built.binary} (${mb} MiB, bun ${built.bunVersion}, ${Math.round(built.buildMs)} ms)\n` +
      `linked ${built.spiderpoolAlias}${existsSync(built.spiderpoolAlias) ? '' : ' (missing!)'}\n`,
  )
}
