import type { SpiderEndpoint } from '../../shared/api/index.ts'
import { controllerRef, deadPodReason } from '../../shared/allocate/pod-rules.ts'
import { IpamError } from '../../shared/errors.ts'
import type { AppRef } from '../../shared/select/index.ts'
import type { Store } from '../../shared/store/store.ts'
import type { ControllerView, NamespaceView, NodeView, PodView } from '../../shared/api/views.ts'

export interface PodContext {
  pod: PodView
  node: NodeView
  namespace: NamespaceView
  /** The top controller (the pod itself when it has none): the endpoint's owner and auto pools' app. */
  app: AppRef
  /** Set for StatefulSet pods: its replicas decide whether the pod's addresses are kept. */
  statefulSet?: ControllerView
  /** Read only for StatefulSet pods; see readPodSurroundings. */
  endpoint?: SpiderEndpoint
}

export interface PodIdentity {
  namespace: string
  name: string
  uid: string
}

// A ReplicaSet's or Job's own controller (Deployment, CronJob) is what users name and scale.
const GRANDPARENT_KINDS = new Set(['ReplicaSet', 'Job'])

/** Reads the live pod and refuses requests for another incarnation or a dead pod. */
export async function readLivePod(store: Store, id: PodIdentity): Promise<PodView> {
  // The watch cache answers almost always; a pod it has not seen yet, or an earlier incarnation
  // of it, is read again from etcd before the request is refused.
  const cached = await store.getPod(id.namespace, id.name, 'cached')
  const pod = cached?.uid === id.uid ? cached : await store.getPod(id.namespace, id.name, 'latest')
  if (!pod) throw new IpamError('not-found', `pod ${id.namespace}/${id.name} not found`)
  if (pod.uid !== id.uid) {
    throw new IpamError('not-found', `pod ${id.namespace}/${id.name} has UID ${pod.uid}, not ${id.uid}: it was replaced`)
  }
  const dead = deadPodReason(pod)
  if (dead) throw new IpamError('pod-dead', dead)
  return pod
}

export async function topController(store: Store, pod: PodView): Promise<{ app: AppRef; statefulSet?: ControllerView }> {
  const ref = controllerRef(pod.ownerReferences)
  if (!ref) return { app: { apiVersion: 'v1', kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid } }
  const app = { apiVersion: ref.apiVersion, kind: ref.kind, namespace: pod.namespace, name: ref.name, uid: ref.uid }
  if (ref.kind === 'StatefulSet') {
    const set = await store.getController('StatefulSet', pod.namespace, ref.name)
    return set ? { app, statefulSet: set } : { app }
  }
  if (!GRANDPARENT_KINDS.has(ref.kind)) return { app }
  const parent = await store.getController(ref.kind, pod.namespace, ref.name)
  const grand = parent && controllerRef(parent.ownerReferences)
  return grand ? { app: { apiVersion: grand.apiVersion, kind: grand.kind, namespace: pod.namespace, name: grand.name, uid: grand.uid } } : { app }
}

/** What an allocation decides on besides the live pod itself, read in parallel: node, namespace, owner, endpoint. */
export async function readPodSurroundings(store: Store, pod: PodView): Promise<PodContext> {
  const id = { namespace: pod.namespace, name: pod.name }
  if (!pod.nodeName) throw new IpamError('not-found', `pod ${id.namespace}/${id.name} is not bound to a node yet`)
  // Only a StatefulSet pod needs its endpoint before deciding (its predecessor's addresses).
  // Anyone else's retried ADD is recognised by the pool records, and the endpoint write that
  // follows finds the existing endpoint by its conflict: one read less per allocation.
  const needsEndpoint = controllerRef(pod.ownerReferences)?.kind === 'StatefulSet'
  const [node, namespace, owner, endpoint] = await Promise.all([
    store.getNode(pod.nodeName),
    store.getNamespace(pod.namespace),
    topController(store, pod),
    needsEndpoint ? store.getEndpoint(pod.namespace, pod.name) : undefined,
  ])
  if (!node) throw new IpamError('not-found', `node ${pod.nodeName} of pod ${id.namespace}/${id.name} not found`)
  if (!namespace) throw new IpamError('not-found', `namespace ${pod.namespace} not found`)
  return { pod, node, namespace, ...owner, ...(endpoint ? { endpoint } : {}) }
}
