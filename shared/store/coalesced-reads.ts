import type { Store } from './store.ts'

type Reader = (...args: string[]) => Promise<unknown>

// Reads whose answer many concurrent allocations share: every pod on a node asks for the same
// node, namespace and candidate pools. Not for the PoolWriter's own reads: a round decides on the
// pool as it is after the previous round's write, so it reads through the plain store.
const SHARED_READS = ['listPools', 'getPool', 'listReservedIPs', 'getNode', 'getNamespace', 'getController'] as const

/**
 * Wraps a Store so that identical reads in flight at the same moment are sent once and their
 * answer is handed to every caller. Nothing outlives the request that fetched it, so there is no
 * cache to go stale: a caller gets an answer at most one round trip older than its own read
 * would have been, which is harmless because every decision is checked by a conditional write.
 * Callers must treat shared answers as read-only.
 */
export function coalescedReads(store: Store): Store {
  const inFlight = new Map<string, Promise<unknown>>()
  const wrapped: Store = Object.create(store)
  for (const method of SHARED_READS) {
    const read = (store[method] as Reader).bind(store)
    ;(wrapped as unknown as Record<string, Reader>)[method] = (...args: string[]) => {
      const key = `${method}\u0000${args.join('\u0000')}`
      const pending = inFlight.get(key)
      if (pending) return pending
      const promise = read(...args).finally(() => inFlight.delete(key))
      inFlight.set(key, promise)
      return promise
    }
  }
  return wrapped
}
