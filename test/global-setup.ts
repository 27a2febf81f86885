// vitest globalSetup for the integration project: one control plane for the whole run.
// A missing prerequisite (Go, a failed build, an apiserver that never gets ready) throws,
// which fails the run with that message: integration tests never silently skip.
import type { TestProject } from 'vitest/node'
import { NETNS_TEST_REQUIREMENTS, ensurePackages } from '../scripts/host-packages.ts'
import { ensureControlPlane, stopControlPlane } from './support/control-plane.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the admin kubeconfig for the test control plane. */
    kubeconfig: string
  }
}

export default async function setup(project: TestProject) {
  // A fresh machine run as root gets the packages of the network tests installed, as the README
  // promises; without root a missing one fails here naming the apt-get command.
  ensurePackages(NETNS_TEST_REQUIREMENTS, (line) => process.stderr.write(`[setup] ${line}\n`))
  const { kubeconfigPath, started } = await ensureControlPlane()
  process.env.KUBECONFIG = kubeconfigPath // inherited by test workers and by kubectl they spawn
  project.provide('kubeconfig', kubeconfigPath)

  // Stop it only if we started it: a developer's running plane (npm run control-plane:up)
  // survives test runs and keeps the next run fast. KEEP_CONTROL_PLANE=1 keeps ours too.
  return async () => {
    if (started && !process.env.KEEP_CONTROL_PLANE) await stopControlPlane()
  }
}
