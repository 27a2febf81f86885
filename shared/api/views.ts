import type { OwnerReference } from './index.ts'

/**
 * The parts of core Kubernetes objects the IPAM decides on. The store maps the API's objects to
 * these so that the domain never depends on a client library's types.
 */
export interface PodView {
  namespace: string
  name: string
  uid: string
  nodeName?: string
  labels: Record<string, string>
  annotations: Record<string, string>
  ownerReferences: OwnerReference[]
  /** RFC 3339; set once the pod is being deleted. */
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  phase?: string
  /** status.reason: `Evicted` for a pod the kubelet evicted. */
  reason?: string
  restartPolicy?: string
}

export interface NodeView {
  name: string
  labels: Record<string, string>
  ready: boolean
  /** RFC 3339: when the Ready condition last changed, i.e. since when the node is (not) ready. */
  readySince?: string
}

/** The leader-election Lease (coordination.k8s.io/v1). Times are RFC 3339 with microseconds. */
export interface LeaseView {
  namespace: string
  name: string
  resourceVersion?: string
  /** '' when nobody holds it (a leader that stepped down). */
  holderIdentity: string
  leaseDurationSeconds: number
  acquireTime?: string
  renewTime?: string
  leaseTransitions: number
}

export interface NamespaceView {
  name: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

/** A workload controller (ReplicaSet, Deployment, StatefulSet, Job, ...), enough to walk owners. */
export interface ControllerView {
  kind: string
  namespace: string
  name: string
  uid: string
  ownerReferences: OwnerReference[]
  /** spec.replicas where the kind has it; a StatefulSet's decides which ordinals keep their IPs. */
  replicas?: number
  /** A StatefulSet's spec.ordinals.start: its pods are numbered from here (default 0). */
  ordinalsStart?: number
}

/**
 * A workload controller as the auto-pool reconcile sees it: what its pod template asks (the
 * annotations) and how many pods it runs at once (shared/autopool desiredPods).
 */
export interface WorkloadView {
  kind: string
  apiVersion: string
  namespace: string
  name: string
  uid: string
  ownerReferences: OwnerReference[]
  /** The pod template's annotations (a CronJob's: its job template's pod template's). */
  templateAnnotations: Record<string, string>
  pods: number
  /** Pods on the host's network get no address from the IPAM. */
  hostNetwork: boolean
  deletionTimestamp?: string
}

/** A Secret with its `data` decoded from base64 (the service keeps PEM text there). */
export interface SecretView {
  namespace: string
  name: string
  resourceVersion?: string
  /** e.g. `kubernetes.io/tls` */
  type?: string
  data: Record<string, string>
}
