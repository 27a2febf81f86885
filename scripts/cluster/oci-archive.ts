// Container images without a Docker daemon or a registry: a root filesystem folder becomes a
// docker-archive tarball (one layer) that `ctr images import` and `docker load` both read.
// The tarballs are reproducible: files sorted, owners and times zeroed, so the same inputs give
// the same image ID.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { run } from './exec.ts'

export interface ImageConfig {
  entrypoint?: string[]
  cmd?: string[]
  env?: string[]
  workingDir?: string
  labels?: Record<string, string>
}

const DETERMINISTIC_TAR = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu']

const sha256File = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** Writes `out` (docker-archive) from the folder `rootfs`; returns the image ID (config digest). */
export async function writeDockerArchive(rootfs: string, refs: readonly string[], config: ImageConfig, out: string): Promise<string> {
  const work = fs.mkdtempSync(path.join(path.dirname(out), '.image-'))
  try {
    const layer = path.join(work, 'layer.tar')
    await run('tar', [...DETERMINISTIC_TAR, '-C', rootfs, '-cf', layer, '.'])
    const diffId = `sha256:${sha256File(layer)}`
    const imageConfig = {
      architecture: 'amd64',
      os: 'linux',
      config: {
        Env: config.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}),
        ...(config.cmd ? { Cmd: config.cmd } : {}),
        WorkingDir: config.workingDir ?? '/',
        ...(config.labels ? { Labels: config.labels } : {}),
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'spinneret scripts/cluster/oci-archive.ts' }],
    }
    const configJson = JSON.stringify(imageConfig)
    const configDigest = createHash('sha256').update(configJson).digest('hex')
    fs.writeFileSync(path.join(work, `${configDigest}.json`), configJson)
    fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify([{ Config: `${configDigest}.json`, RepoTags: refs, Layers: ['layer.tar'] }]))
    const partial = `${out}.partial`
    await run('tar', [...DETERMINISTIC_TAR, '-C', work, '-cf', partial, 'manifest.json', `${configDigest}.json`, 'layer.tar'])
    fs.renameSync(partial, out)
    return `sha256:${configDigest}`
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

/** The shared libraries a dynamically linked binary loads (from ldd), with the loader. */
export async function sharedLibrariesOf(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary])
  const libs = new Set<string>()
  for (const line of stdout.split('\n')) {
    // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line)
    if (match?.[1]) libs.add(match[1])
  }
  return [...libs]
}

/** Copies host files into rootfs at the same paths (following symlinks to their content). */
export function copyIntoRootfs(rootfs: string, files: readonly string[]): void {
  for (const file of files) {
    const target = path.join(rootfs, file)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.copyFileSync(fs.realpathSync(file), target)
    fs.chmodSync(target, fs.statSync(file).mode & 0o777)
  }
}
