/**
 * `npm run image`: the Spinneret container image, built without a Docker daemon or a registry.
 * Writes dist/image/spinneret-<version>.tar (docker-archive: `ctr images import`, `docker load`),
 * tagged localhost/spinneret/spinneret:<version>.
 *
 * Contents, chosen for size and start time: the service bundle (dist/service, 2.8 MB) run by the
 * Node.js binary that builds it, stripped (the runtime every test runs it on), the compiled CNI plugin
 * (dist/cni/spinneret, which also installs itself onto the node), and the shared libraries those
 * two load; no shell, no package manager, no base image. Bun would run the service from one
 * binary (half the size), but its `undici` is a stub that ignores the TLS settings the Kubernetes
 * client needs: measured, every call fails with "self signed certificate in certificate chain".
 *
 * The Dockerfile at the repository root builds the same image for users with Docker or Buildah:
 * it runs `--rootfs-only` of this script in a build stage and copies the folder into `scratch`,
 * and test/image.test.ts checks that its ENTRYPOINT matches IMAGE_CONFIG here.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createGzip } from 'node:zlib'
import { pipeline } from 'node:stream/promises'
import { buildCni, REPO_ROOT } from '../build-cni.ts'
import { buildService, SERVICE_BUNDLE } from '../build-service.ts'
import { run } from '../cluster/exec.ts'
import { copyIntoRootfs, sharedLibrariesOf, writeDockerArchive, type ImageConfig } from '../cluster/oci-archive.ts'

const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version
export const IMAGE_NAME = 'localhost/spinneret/spinneret'
export const IMAGE_REF = `${IMAGE_NAME}:${VERSION}`
export const IMAGE_DIR = path.join(REPO_ROOT, 'dist', 'image')
export const IMAGE_ARCHIVE = path.join(IMAGE_DIR, `spinneret-${VERSION}.tar`)
const ROOTFS = path.join(IMAGE_DIR, 'rootfs')

/** Where things live in the image (the DaemonSet's commands name these paths). */
export const IMAGE_PATHS = {
  node: '/usr/bin/node',
  service: '/opt/spinneret/service/main-node.mjs',
  plugin: '/opt/spinneret/cni/spinneret',
} as const

export const IMAGE_CONFIG: ImageConfig = {
  entrypoint: [IMAGE_PATHS.node, '--enable-source-maps', IMAGE_PATHS.service],
  env: ['PATH=/usr/bin'],
  labels: { 'org.opencontainers.image.title': 'spinneret', 'org.opencontainers.image.version': VERSION },
}

/** Assembles the image's root filesystem in dist/image/rootfs from fresh builds. */
export async function buildRootfs(): Promise<string> {
  const cni = buildCni()
  await buildService()
  fs.rmSync(ROOTFS, { recursive: true, force: true })
  const put = (from: string, to: string, mode: number) => {
    const target = path.join(ROOTFS, to)
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.copyFileSync(from, target)
    fs.chmodSync(target, mode)
  }
  put(process.execPath, IMAGE_PATHS.node, 0o755)
  // Symbols only: 12 MB less, nothing the service runs needs them. (Bun's compiled plugin
  // cannot be stripped: its program is appended to the executable.)
  await run('strip', [path.join(ROOTFS, IMAGE_PATHS.node)])
  put(SERVICE_BUNDLE, IMAGE_PATHS.service, 0o644)
  put(`${SERVICE_BUNDLE}.map`, `${IMAGE_PATHS.service}.map`, 0o644)
  put(cni.binary, IMAGE_PATHS.plugin, 0o755)
  const libraries = new Set([...(await sharedLibrariesOf(process.execPath)), ...(await sharedLibrariesOf(cni.binary))])
  copyIntoRootfs(ROOTFS, [...libraries].sort())
  fs.mkdirSync(path.join(ROOTFS, 'etc'), { recursive: true })
  fs.writeFileSync(path.join(ROOTFS, 'etc/passwd'), 'root:x:0:0:root:/:/usr/sbin/nologin\n')
  fs.writeFileSync(path.join(ROOTFS, 'etc/group'), 'root:x:0:\n')
  // Mount points a runtime fills (it would create them, but an image that has them runs under
  // plain chroot too).
  for (const dir of ['proc', 'sys', 'dev']) fs.mkdirSync(path.join(ROOTFS, dir))
  fs.mkdirSync(path.join(ROOTFS, 'tmp'), { mode: 0o1777 })
  fs.chmodSync(path.join(ROOTFS, 'tmp'), 0o1777)
  return ROOTFS
}

export interface BuiltImage {
  ref: string
  archive: string
  /** The image ID (digest of its config): the same contents give the same ID. */
  id: string
  bytes: number
}

export async function buildImage(): Promise<BuiltImage> {
  const rootfs = await buildRootfs()
  const id = await writeDockerArchive(rootfs, [IMAGE_REF], IMAGE_CONFIG, IMAGE_ARCHIVE)
  return { ref: IMAGE_REF, archive: IMAGE_ARCHIVE, id, bytes: fs.statSync(IMAGE_ARCHIVE).size }
}

/** What a registry would store and a node download: the archive gzip-compressed. */
export async function gzipSize(file: string): Promise<number> {
  let bytes = 0
  const gzip = createGzip({ level: 6 })
  gzip.on('data', (chunk: Buffer) => (bytes += chunk.length))
  await pipeline(fs.createReadStream(file), gzip)
  return bytes
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  if (process.argv.includes('--rootfs-only')) {
    console.log(`assembled ${await buildRootfs()}`)
  } else {
    const t0 = Date.now()
    const image = await buildImage()
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`
    console.log(`built ${image.ref} (${image.id.slice(0, 19)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    console.log(`  ${image.archive}: ${mb(image.bytes)}, ${mb(await gzipSize(image.archive))} gzip-compressed`)
  }
}
