// Test-side entry to the real control plane (scripts/control-plane/): build if needed, start
// or reuse etcd + kube-apiserver, and hand back the admin kubeconfig.
import { down, up, type UpResult } from '../../scripts/control-plane/control-plane.ts'

export type { UpResult }

/** Ensures the control plane runs; `started` tells whether this call started it. */
export function ensureControlPlane(): Promise<UpResult> {
  return up()
}

/** Stops the control plane and removes its data (only the processes in its pid files). */
export function stopControlPlane(): Promise<void> {
  return down()
}
