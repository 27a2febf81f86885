// The local cluster's own images, built here from Debian packages and the pinned Kubernetes
// source (no registry can be reached), and imported into every node's containerd:
//
//   localhost/spinneret/pause:v<k8s>      the sandbox image: pause.c of the pinned k8s.io/kubernetes,
//                                         compiled static
//   localhost/spinneret/busybox:<version> Debian's busybox-static with its applets (sh, ping, sleep,
//                                         ip, nc...): the test-app image. Also tagged
//                                         docker.io/library/busybox:1.36 so the seed's YAML
//                                         (`image: busybox:1.36`) applies unchanged.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { kubernetesSourceFile, kubernetesVersion } from '../control-plane/build.ts'
import { run } from './exec.ts'
import { IMAGES_DIR } from './paths.ts'
import { writeDockerArchive } from './oci-archive.ts'

const BUSYBOX = '/bin/busybox'
// Bump when what the images contain changes in a way the inputs' hashes do not show.
const RECIPE_VERSION = '1'

export const pauseImage = () => `localhost/spinneret/pause:v${kubernetesVersion()}`
export const BUSYBOX_IMAGE = 'localhost/spinneret/busybox:1.35'
/** What the seed's test-app names; on this cluster it is the same local busybox image. */
export const SEED_BUSYBOX_ALIAS = 'docker.io/library/busybox:1.36'

export interface BuiltImage {
  refs: string[]
  archive: string
}

const hashOf = (...parts: (string | Buffer)[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex').slice(0, 16)
}

/** Rebuilds `archive` only when the stamp beside it differs. */
async function cached(archive: string, stamp: string, build: () => Promise<void>): Promise<void> {
  const stampFile = `${archive}.stamp`
  if (fs.existsSync(archive) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return
  await build()
  fs.writeFileSync(stampFile, stamp)
}

async function buildPause(): Promise<BuiltImage> {
  const source = kubernetesSourceFile('build/pause/linux/pause.c')
  if (!fs.existsSync(source)) throw new Error(`${source} is missing: build the cluster binaries first (npm run cluster:build)`)
  const archive = path.join(IMAGES_DIR, 'pause.tar')
  const refs = [pauseImage()]
  await cached(archive, hashOf(RECIPE_VERSION, refs.join(','), fs.readFileSync(source)), async () => {
    const rootfs = fs.mkdtempSync(path.join(IMAGES_DIR, '.pause-'))
    try {
      await run('gcc', ['-Os', '-static', `-DVERSION=v${kubernetesVersion()}`, '-o', path.join(rootfs, 'pause'), source])
      await run('strip', [path.join(rootfs, 'pause')])
      await writeDockerArchive(rootfs, refs, { entrypoint: ['/pause'] }, archive)
    } finally {
      fs.rmSync(rootfs, { recursive: true, force: true })
    }
  })
  return { refs, archive }
}

async function buildBusybox(): Promise<BuiltImage> {
  const archive = path.join(IMAGES_DIR, 'busybox.tar')
  const refs = [BUSYBOX_IMAGE, SEED_BUSYBOX_ALIAS]
  await cached(archive, hashOf(RECIPE_VERSION, refs.join(','), fs.readFileSync(BUSYBOX)), async () => {
    const rootfs = fs.mkdtempSync(path.join(IMAGES_DIR, '.busybox-'))
    try {
      for (const dir of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/run']) fs.mkdirSync(path.join(rootfs, dir), { recursive: true })
      fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777)
      fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'))
      fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755)
      const { stdout } = await run(BUSYBOX, ['--list'])
      for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox')) {
        fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet))
      }
      fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
      fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
      await writeDockerArchive(rootfs, refs, { cmd: ['sh'] }, archive)
    } finally {
      fs.rmSync(rootfs, { recursive: true, force: true })
    }
  })
  return { refs, archive }
}

/** Builds what is missing or stale; returns every image a node needs. */
export async function ensureClusterImages(): Promise<BuiltImage[]> {
  if (!fs.existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`)
  fs.mkdirSync(IMAGES_DIR, { recursive: true })
  return [await buildPause(), await buildBusybox()]
}
