import type { WatchCache } from './kube-watch.ts'
import type { Freshness, Store, WatchedObjects, WatchKind } from '../store/store.ts'

/** Where the watch caches come from: a KubeWatch (undefined for a kind until one of its watches has listed). */
export interface WatchCaches {
  cached<K extends WatchKind>(kind: K): WatchCache<WatchedObjects[K]> | undefined
}

/**
 * Wraps a Store so that reads which may be a moment old (see Freshness in store.ts) are answered
 * from the service's own watches, as an informer's cache answers them, instead of a request to the
 * API server: the pod (its node's pods are watched anyway), its node, its namespace, and the
 * reserved IPs. These reads only choose; the conditional pool write decides. Anything the caches
 * do not hold (a kind not watched, a watch that has not listed yet, an object not seen yet) goes
 * to the store, so a miss costs what it cost before. Callers must treat answers as read-only.
 */
export function watchCachedReads(store: Store, caches: WatchCaches): Store {
  const wrapped: Store = Object.create(store)
  wrapped.getPod = async (namespace: string, name: string, freshness?: Freshness) =>
    (freshness === 'cached' ? caches.cached('Pod')?.get(`${namespace}/${name}`) : undefined) ?? store.getPod(namespace, name, freshness)
  wrapped.getNode = async (name: string) => caches.cached('Node')?.get(name) ?? store.getNode(name)
  wrapped.getNamespace = async (name: string) => caches.cached('Namespace')?.get(name) ?? store.getNamespace(name)
  wrapped.listReservedIPs = async (freshness: Freshness = 'cached') =>
    (freshness === 'cached' ? caches.cached('SpiderReservedIP')?.values() : undefined) ?? store.listReservedIPs(freshness)
  return wrapped
}
