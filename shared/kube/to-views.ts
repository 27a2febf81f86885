import type { OwnerReference } from '../api/index.ts'
import { fromBase64, toBase64 } from '../base64.ts'
import { desiredPods, NATIVE_KINDS, isNativeKind } from '../autopool/index.ts'
import type { ControllerView, LeaseView, NamespaceView, NodeView, PodView, SecretView, WorkloadView } from '../api/views.ts'

/**
 * A core object as the API server sends it (JSON), typed loosely: only the fields read here.
 * Timestamps are RFC 3339 strings.
 */
export interface RawObject {
  metadata?: {
    name?: string
    namespace?: string
    uid?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
  }
  spec?: { nodeName?: string; restartPolicy?: string; replicas?: number; ordinals?: { start?: number } }
  status?: { phase?: string; reason?: string; conditions?: Array<{ type: string; status: string; lastTransitionTime?: string }> }
}

const owners = (refs: NonNullable<RawObject['metadata']>['ownerReferences']): OwnerReference[] =>
  (refs ?? []).map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    controller: r.controller,
  }))

export const toPodView = (pod: RawObject): PodView => {
  const view: PodView = {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    ownerReferences: owners(pod.metadata?.ownerReferences),
  }
  if (pod.spec?.nodeName) view.nodeName = pod.spec.nodeName
  const deletion = pod.metadata?.deletionTimestamp
  if (deletion) view.deletionTimestamp = deletion
  if (pod.metadata?.deletionGracePeriodSeconds !== undefined) {
    view.deletionGracePeriodSeconds = pod.metadata.deletionGracePeriodSeconds
  }
  if (pod.status?.phase) view.phase = pod.status.phase
  if (pod.status?.reason) view.reason = pod.status.reason
  if (pod.spec?.restartPolicy) view.restartPolicy = pod.spec.restartPolicy
  return view
}

export const toNodeView = (node: RawObject): NodeView => {
  const condition = (node.status?.conditions ?? []).find((c) => c.type === 'Ready')
  return {
    name: node.metadata?.name ?? '',
    labels: node.metadata?.labels ?? {},
    ready: condition?.status === 'True',
    ...(condition?.lastTransitionTime ? { readySince: condition.lastTransitionTime } : {}),
  }
}

/** A coordination.k8s.io/v1 Lease as the API server sends it (microsecond timestamps). */
export interface RawLease {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string }
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number }
}

export const toLeaseView = (lease: RawLease): LeaseView => ({
  namespace: lease.metadata?.namespace ?? '',
  name: lease.metadata?.name ?? '',
  ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
  holderIdentity: lease.spec?.holderIdentity ?? '',
  leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
  ...(lease.spec?.acquireTime ? { acquireTime: lease.spec.acquireTime } : {}),
  ...(lease.spec?.renewTime ? { renewTime: lease.spec.renewTime } : {}),
  leaseTransitions: lease.spec?.leaseTransitions ?? 0,
})

export const leaseBody = (lease: LeaseView): RawLease & { apiVersion: string; kind: string } => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: lease.name, namespace: lease.namespace, ...(lease.resourceVersion ? { resourceVersion: lease.resourceVersion } : {}) },
  spec: {
    holderIdentity: lease.holderIdentity,
    leaseDurationSeconds: lease.leaseDurationSeconds,
    ...(lease.acquireTime ? { acquireTime: lease.acquireTime } : {}),
    ...(lease.renewTime ? { renewTime: lease.renewTime } : {}),
    leaseTransitions: lease.leaseTransitions,
  },
})

export const toNamespaceView = (ns: RawObject): NamespaceView => ({
  name: ns.metadata?.name ?? '',
  labels: ns.metadata?.labels ?? {},
  annotations: ns.metadata?.annotations ?? {},
})

export const toControllerView = (kind: string, object: RawObject): ControllerView => {
  const view: ControllerView = {
    kind,
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    uid: object.metadata?.uid ?? '',
    ownerReferences: owners(object.metadata?.ownerReferences),
  }
  if (object.spec?.replicas !== undefined) view.replicas = object.spec.replicas
  if (object.spec?.ordinals?.start !== undefined) view.ordinalsStart = object.spec.ordinals.start
  return view
}

export interface RawSecret {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string }
  type?: string
  data?: Record<string, string>
}

export const toSecretView = (secret: RawSecret): SecretView => ({
  namespace: secret.metadata?.namespace ?? '',
  name: secret.metadata?.name ?? '',
  ...(secret.metadata?.resourceVersion === undefined ? {} : { resourceVersion: secret.metadata.resourceVersion }),
  type: secret.type,
  data: Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, fromBase64(value)])),
})

export const secretBody = (secret: SecretView) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: secret.name,
    namespace: secret.namespace,
    resourceVersion: secret.resourceVersion,
  },
  type: secret.type,
  data: Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, toBase64(value)])),
})

type RawTemplate = { metadata?: { annotations?: Record<string, string> }; spec?: { hostNetwork?: boolean } }
type RawJobSpec = { parallelism?: number; completions?: number; template?: RawTemplate }

/** A Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob as the API server sends it. */
export interface RawWorkload {
  metadata?: RawObject['metadata']
  spec?: RawJobSpec & { replicas?: number; jobTemplate?: { spec?: RawJobSpec } }
  status?: { desiredNumberScheduled?: number }
}

export const toWorkloadView = (kind: string, object: RawWorkload): WorkloadView => {
  const job = kind === 'CronJob' ? object.spec?.jobTemplate?.spec : object.spec
  const template = job?.template
  const view: WorkloadView = {
    kind,
    apiVersion: isNativeKind(kind) ? NATIVE_KINDS[kind] : '',
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    uid: object.metadata?.uid ?? '',
    ownerReferences: owners(object.metadata?.ownerReferences),
    templateAnnotations: template?.metadata?.annotations ?? {},
    pods: desiredPods(kind, {
      ...(object.spec?.replicas === undefined ? {} : { replicas: object.spec.replicas }),
      ...(job?.parallelism === undefined ? {} : { parallelism: job.parallelism }),
      ...(job?.completions === undefined ? {} : { completions: job.completions }),
      ...(object.status?.desiredNumberScheduled === undefined ? {} : { desiredNumberScheduled: object.status.desiredNumberScheduled }),
    }),
    hostNetwork: template?.spec?.hostNetwork === true,
  }
  if (object.metadata?.deletionTimestamp) view.deletionTimestamp = object.metadata.deletionTimestamp
  return view
}
