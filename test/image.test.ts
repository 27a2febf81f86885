// The image `npm run image` builds, run without a container runtime: chroot into its root
// filesystem (with /proc, as any runtime mounts it) proves it holds everything its programs load. And the Dockerfile users build with
// Docker must describe the same image.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { IMAGE_CONFIG, IMAGE_PATHS, buildRootfs } from '../scripts/image/build-image.ts'

const root = resolve(import.meta.dirname, '..')
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
let rootfs: string

const inImage = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('/usr/bin/unshare', ['--mount', '--pid', '--fork', `--mount-proc=${rootfs}/proc`, '/usr/sbin/chroot', rootfs, ...args], {
    env: { PATH: '/usr/bin', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  })

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test chroots into the image: run it as root')
  rootfs = await buildRootfs()
}, 120_000)

describe('the image', () => {
  it('runs Node.js with the libraries it carries', () => {
    const run = inImage([IMAGE_PATHS.node, '-e', 'process.stdout.write(process.version)'])
    expect(run.stderr).toBe('')
    expect(run.stdout).toBe(process.version)
  })

  it('runs the compiled plugin', () => {
    const run = inImage([IMAGE_PATHS.plugin], { CNI_COMMAND: 'VERSION' })
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ supportedVersions: expect.arrayContaining(['0.3.1', '1.0.0', '1.1.0']) })
  })

  it('loads the service, which refuses a bad environment naming the variable', () => {
    const run = inImage([...(IMAGE_CONFIG.entrypoint ?? [])], { HTTP_PORT: 'not-a-port' })
    expect(run.status).not.toBe(0)
    expect(`${run.stdout}${run.stderr}`).toContain('HTTP_PORT')
  })
})

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
  const instruction = (name: string) => [...dockerfile.matchAll(new RegExp(`^${name} (.+)$`, 'gm'))].map((m) => m[1]!)

  it('has the ENTRYPOINT, ENV and LABELs of npm run image', () => {
    expect(instruction('ENTRYPOINT').map((e) => JSON.parse(e))).toEqual([IMAGE_CONFIG.entrypoint])
    expect(instruction('ENV')).toEqual((IMAGE_CONFIG.env ?? []).map((e) => e))
    const labels = Object.fromEntries([...(instruction('LABEL')[0] ?? '').matchAll(/(\S+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    expect(labels).toEqual(IMAGE_CONFIG.labels)
  })

  it('assembles the root filesystem with the same script', () => {
    expect(dockerfile).toContain('RUN npx tsx scripts/image/build-image.ts --rootfs-only')
    expect(dockerfile).toMatch(/^FROM scratch$/m)
    expect(dockerfile).toContain('COPY --from=build /src/dist/image/rootfs/ /')
  })
})

describe('manifests/deploy and manifests/local', () => {
  const kustomize = (dir: string) => execFileSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8' })

  it('run the image of this version', () => {
    expect(kustomize('manifests/deploy')).toMatch(new RegExp(`image: spinneret:${version.replace(/\./g, '\\.')}$`, 'm'))
    const local = kustomize('manifests/local')
    expect(local.match(/image: (\S+)/g)).toEqual([`image: localhost/spinneret/spinneret:${version}`, `image: localhost/spinneret/spinneret:${version}`])
    expect(local.match(/imagePullPolicy: Never/g)).toHaveLength(2)
  })
})
