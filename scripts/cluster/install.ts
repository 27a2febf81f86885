// Installing Spinneret on the local cluster the way a platform team installs it anywhere:
// `kubectl apply -k` of a kustomization, here manifests/local (manifests/deploy with the image
// that `npm run image` built, imported into every node's containerd since no registry exists).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '../control-plane/build.ts'
import { buildImage, type BuiltImage } from '../image/build-image.ts'
import { clusterControlPlane, clusterNodes } from './cluster.ts'
import { CLUSTER_DIR, nodeDir } from './paths.ts'
import { containerdSocketOf, importImage } from './node.ts'

export const LOCAL_OVERLAY = path.join(REPO_ROOT, 'manifests', 'local')
export const SERVICE_NAMESPACE = 'spinneret-system'

/**
 * kubectl's environment for the local cluster: its kubeconfig, and its discovery cache inside
 * the cluster's folder (`down` removes it; kubectl's default, ~/.kube/cache, would keep a folder
 * per API server port forever).
 */
export const kubectlEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KUBECONFIG: clusterControlPlane.kubeconfigPath,
  KUBECACHEDIR: path.join(CLUSTER_DIR, 'kubectl-cache'),
})

/** kubectl against the local cluster; rejects with what kubectl printed. */
export function kubectl(args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', [...args], { env: kubectlEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(' ')}: ${`${stderr}${stdout}`.trim() || error.message}`)) : resolve(stdout),
    )
  })
}

/**
 * Imports an image archive into every node's containerd; a node that imported an image of the
 * same ID already (a marker in its folder, which `down` removes) is skipped.
 */
export async function importIntoNodes(archive: string, id: string): Promise<void> {
  for (const node of clusterNodes()) {
    const socket = containerdSocketOf(node.name)
    if (!socket) throw new Error(`node ${node.name} is not running: npm run cluster:up`)
    const marker = path.join(nodeDir(node.name), `imported-${path.basename(archive)}-${id.replace(/^sha256:/, '').slice(0, 16)}`)
    if (fs.existsSync(marker)) continue
    await importImage(socket, archive)
    fs.writeFileSync(marker, '')
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
  await importIntoNodes(image.archive, image.id)
  const t0 = Date.now()
  await kubectl(['apply', '-k', overlay])
  await kubectl(['-n', SERVICE_NAMESPACE, 'rollout', 'status', 'daemonset/spinneret', `--timeout=${Math.round(timeoutMs / 1000)}s`], timeoutMs + 10_000)
  return { image, rolloutMs: Date.now() - t0 }
}
