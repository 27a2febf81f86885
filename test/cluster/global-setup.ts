// vitest globalSetup for the cluster project: the local cluster (real kubelets, containerd,
// controller-manager, scheduler) with Spinneret installed by `kubectl apply -k manifests/local`,
// once for the run. Everything missing is built first (CI builds it before `npm test`, keeping
// the long builds out of these timeouts); a missing prerequisite fails the run with its message.
import type { TestProject } from 'vitest/node'
import { down, leftovers, up } from '../../scripts/cluster/cluster.ts'
import { installSpinneret } from '../../scripts/cluster/install.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the admin kubeconfig for the local cluster. */
    clusterKubeconfig: string
  }
}

export default async function setup(project: TestProject) {
  const { kubeconfigPath, started } = await up()
  try {
    await installSpinneret()
  } catch (e) {
    if (started && !process.env.KEEP_CLUSTER) await down()
    throw e
  }
  project.provide('clusterKubeconfig', kubeconfigPath)

  // A cluster a developer started (npm run cluster:up) survives the run; one we started goes,
  // and must leave nothing behind. KEEP_CLUSTER=1 keeps ours too.
  return async () => {
    if (!started || process.env.KEEP_CLUSTER) return
    await down()
    await down() // with nothing up: a no-op
    const left = leftovers()
    if (left.length > 0) throw new Error(`cluster:down left behind:\n  ${left.join('\n  ')}`)
  }
}
