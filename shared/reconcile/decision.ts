import type { FinalizerUpdate } from './finalizer.ts'

/**
 * What a reconcile should write. Each part is absent when the object already agrees, so an
 * up-to-date object costs no write at all. When the finalizer is removed there is no status:
 * the object is about to disappear.
 */
export interface Decision<TStatus> {
  finalizer?: FinalizerUpdate
  status?: TStatus
}

/** What a reconcile function did, for logs and tests. */
export type ReconcileOutcome =
  /** The object does not exist (any more): nothing to do. */
  | { result: 'gone' }
  /** The object (or one it depends on) breaks the API contract: logged, nothing written. */
  | { result: 'invalid'; reason: string }
  | { result: 'unchanged' }
  | { result: 'updated'; changes: ReconcileChange[] }

export type ReconcileChange = FinalizerUpdate['change'] | 'status'

/** Builds a Decision from its optional parts without writing `undefined` members. */
export const decision = <TStatus>(finalizer: FinalizerUpdate | undefined, status: () => TStatus | undefined): Decision<TStatus> => {
  if (finalizer?.change === 'finalizer-removed') return { finalizer }
  const next = status()
  return { ...(finalizer && { finalizer }), ...(next !== undefined && { status: next }) }
}
