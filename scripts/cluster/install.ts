// Installing Spinneret on the local cluster the way a platform team installs it anywhere:
// `kubectl apply -k` of a kustomization, here manifests/local (manifests/deploy with the image
// that `npm run image` built, imported into every node's containerd since no registry exists).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { REPO_ROOT } from '../control-plane/build.ts'
import { buildImage, type BuiltImage } from '../image/build-image.ts'
import { clusterControlPlane, clusterNodes } from './cluster.ts'
import { containerdSocketOf, importImage } from './node.ts'

export const LOCAL_OVERLAY = path.join(REPO_ROOT, 'manifests', 'local')
export const SYSTEM_NAMESPACE = 'spinneret-system'

/** kubectl against the local cluster; rejects with what kubectl printed. */
export function kubectl(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'kubectl',
      [...args],
      { env: { ...process.env, KUBECONFIG: clusterControlPlane.kubeconfigPath }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(' ')}: ${`${stderr}${stdout}`.trim() || error.message}`)) : resolve(stdout)),
    )
  })
}

/** Imports an image archive into every node's containerd. */
export async function importIntoNodes(archive: string): Promise<void> {
  for (const node of clusterNodes()) {
    const socket = containerdSocketOf(node.name)
    if (!socket) throw new Error(`node ${node.name} is not running: npm run cluster:up`)
    await importImage(socket, archive)
  }
}

export interface Installed {
  image: BuiltImage
  /** ms from `kubectl apply -k` to the DaemonSet rolled out on every node */
  rolloutMs: number
}

/** Builds the image, imports it, applies the overlay and waits until every node's service is ready. */
export async function installSpinneret({ overlay = LOCAL_OVERLAY, timeoutMs = 180_000 } = {}): Promise<Installed> {
  const image = await buildImage()
  await importIntoNodes(image.archive)
  const t0 = Date.now()
  await kubectl(['apply', '-k', overlay])
  await kubectl(['-n', SYSTEM_NAMESPACE, 'rollout', 'status', 'daemonset/spinneret', `--timeout=${Math.round(timeoutMs / 1000)}s`], timeoutMs + 10_000)
  return { image, rolloutMs: Date.now() - t0 }
}
