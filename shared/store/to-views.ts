import type * as k8s from '@kubernetes/client-node'
import type { OwnerReference } from '../api/index.ts'
import type { ControllerView, NamespaceView, NodeView, PodView } from './views.ts'

const owners = (refs: k8s.V1OwnerReference[] | undefined): OwnerReference[] =>
  (refs ?? []).map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    ...(r.controller === undefined ? {} : { controller: r.controller }),
  }))

// client-node turns timestamps into Date objects; the domain compares RFC 3339 strings.
const timestamp = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : t instanceof Date ? t.toISOString() : String(t)

export const toPodView = (pod: k8s.V1Pod): PodView => {
  const view: PodView = {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    ownerReferences: owners(pod.metadata?.ownerReferences),
  }
  if (pod.spec?.nodeName) view.nodeName = pod.spec.nodeName
  const deletion = timestamp(pod.metadata?.deletionTimestamp)
  if (deletion) view.deletionTimestamp = deletion
  if (pod.metadata?.deletionGracePeriodSeconds !== undefined) {
    view.deletionGracePeriodSeconds = pod.metadata.deletionGracePeriodSeconds
  }
  if (pod.status?.phase) view.phase = pod.status.phase
  if (pod.spec?.restartPolicy) view.restartPolicy = pod.spec.restartPolicy
  return view
}

export const toNodeView = (node: k8s.V1Node): NodeView => ({
  name: node.metadata?.name ?? '',
  labels: node.metadata?.labels ?? {},
  ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
})

export const toNamespaceView = (ns: k8s.V1Namespace): NamespaceView => ({
  name: ns.metadata?.name ?? '',
  labels: ns.metadata?.labels ?? {},
  annotations: ns.metadata?.annotations ?? {},
})

export const toControllerView = (
  kind: string,
  object: k8s.KubernetesObject & { spec?: { replicas?: number } },
): ControllerView => {
  const view: ControllerView = {
    kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    uid: object.metadata?.uid ?? '',
    ownerReferences: owners(object.metadata?.ownerReferences),
  }
  if (object.spec?.replicas !== undefined) view.replicas = object.spec.replicas
  return view
}
