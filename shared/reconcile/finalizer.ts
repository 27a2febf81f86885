import { FINALIZER, type ObjectMeta } from '../api/index.ts'

export interface FinalizerUpdate {
  /** The complete new `metadata.finalizers`. */
  finalizers: string[]
  change: 'finalizer-added' | 'finalizer-removed'
}

/**
 * How a pool's or subnet's finalizers should change, or undefined when they are right already.
 * A live object gets Spiderpool's finalizer so it cannot vanish under IPs still in use; a
 * terminating one loses it once nothing uses it (`inUse`: a pool's allocations, a subnet's
 * controlled pools). Finalizers of other controllers are kept, and a terminating object never gets
 * ours back (the API server refuses new finalizers once deletion started).
 */
export const nextFinalizers = (metadata: ObjectMeta, inUse: boolean): FinalizerUpdate | undefined => {
  const current = metadata.finalizers ?? []
  const has = current.includes(FINALIZER)
  if (metadata.deletionTimestamp === undefined) {
    return has ? undefined : { finalizers: [...current, FINALIZER], change: 'finalizer-added' }
  }
  return has && !inUse ? { finalizers: current.filter((f) => f !== FINALIZER), change: 'finalizer-removed' } : undefined
}
