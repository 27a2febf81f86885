import type { OwnerReference } from '../api/index.ts'
import type { PodView } from '../api/views.ts'

/**
 * A pod that is being deleted or has finished for good gets no address: handing one out would
 * only leak it until garbage collection finds it.
 */
export const deadPodReason = (pod: PodView): string | undefined => {
  if (pod.deletionTimestamp) return `pod ${pod.namespace}/${pod.name} is terminating`
  const restart = pod.restartPolicy ?? 'Always'
  if (pod.phase === 'Succeeded' && restart !== 'Always') return `pod ${pod.namespace}/${pod.name} has succeeded`
  if (pod.phase === 'Failed' && restart === 'Never') return `pod ${pod.namespace}/${pod.name} has failed`
  // The kubelet never restarts an evicted pod, whatever its restartPolicy says.
  if (pod.phase === 'Failed' && pod.reason === 'Evicted') return `pod ${pod.namespace}/${pod.name} was evicted`
  return undefined
}

/** The pod of this UID exists and is neither terminating nor finished for good. */
export const isLivePod = (pod: PodView | undefined, uid: string): boolean => pod !== undefined && pod.uid === uid && deadPodReason(pod) === undefined

export const controllerRef = (refs: readonly OwnerReference[]): OwnerReference | undefined => refs.find((r) => r.controller) ?? undefined

/** The ordinal of a StatefulSet pod (`<set>-<n>`), or undefined when the name does not fit. */
export const statefulSetOrdinal = (podName: string, setName: string): number | undefined => {
  if (!podName.startsWith(`${setName}-`)) return undefined
  const suffix = podName.slice(setName.length + 1)
  return /^(0|[1-9][0-9]*)$/.test(suffix) ? Number(suffix) : undefined
}

/**
 * A StatefulSet pod keeps its addresses across restarts while its ordinal is still wanted: the
 * set exists and its ordinals, from `spec.ordinals.start` on, reach that ordinal.
 */
export const keepsStatefulSetIPs = (podName: string, set: { name: string; replicas?: number; ordinalsStart?: number } | undefined): boolean => {
  if (!set) return false
  const ordinal = statefulSetOrdinal(podName, set.name)
  const start = set.ordinalsStart ?? 0
  return ordinal !== undefined && ordinal >= start && ordinal < start + (set.replicas ?? 1)
}
