import { isIpamError } from '../../shared/errors.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { decideSubnet, type ReconcileChange, type ReconcileOutcome } from '../../shared/reconcile/index.ts'
import { retryOnConflict, type RetryOptions } from '../../shared/store/retry-on-conflict.ts'
import type { Store } from '../../shared/store/store.ts'

export interface ReconcileDeps {
  store: Store
  log?: Logger
  /** Conflict retry tuning; tests pass a no-op sleep. */
  retry?: RetryOptions
}

// The Store has no getSubnet; subnets are few, so a list costs about the same.
const getSubnet = async (store: Store, name: string) =>
  (await store.listSubnets()).find((s) => s.metadata.name === name)

/**
 * Brings one SpiderSubnet's finalizer and status (controlledIPPools, counts) in line with the
 * pools that name its CIDR: read the subnet and every pool, decide (shared/reconcile), write only
 * what differs, conditionally. A lost race re-reads both and decides again.
 *
 * @returns what was done; 'invalid' when the subnet or one of its pools breaks the API contract
 *   (logged, nothing written: a status without that pool would understate what is handed out).
 * @throws IpamError('try-again') when the API server is unreachable or every try lost its race.
 * @example await reconcile('subnet-6', { store, log })
 */
export async function reconcile(name: string, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const { store } = deps
  const log = (deps.log ?? silentLogger).child({ function: 'reconcile-subnet', subnet: name })
  // Kept across tries: a finalizer written before a status write lost its race is still a change.
  const changes = new Set<ReconcileChange>()

  const attempt = async (): Promise<ReconcileOutcome> => {
    let subnet = await getSubnet(store, name)
    if (subnet === undefined) return { result: 'gone' }
    const { finalizer, status } = decideSubnet(subnet, await store.listPools())
    try {
      if (finalizer) {
        subnet = await store.replaceSubnetFinalizers(subnet, finalizer.finalizers)
        changes.add(finalizer.change)
      }
      if (status) {
        subnet = await store.replaceSubnetStatus(subnet, status)
        changes.add('status')
      }
    } catch (e) {
      // Deleted between our read and our write: nothing is left to reconcile.
      if (isIpamError(e) && (await getSubnet(store, name)) === undefined) return { result: 'gone' }
      throw e
    }
    if (changes.size === 0) return { result: 'unchanged' }
    const { allocatedIPCount, totalIPCount } = subnet.status
    log.info('SpiderSubnet reconciled', {
      changes: [...changes],
      resourceVersion: subnet.metadata.resourceVersion,
      allocatedIPCount,
      totalIPCount,
    })
    return { result: 'updated', changes: [...changes] }
  }

  try {
    return await retryOnConflict(`reconcile SpiderSubnet ${name}`, attempt, deps.retry)
  } catch (e) {
    if (!isIpamError(e) || e.code !== 'invalid-resource') throw e
    log.warn('SpiderSubnet not reconciled: it or one of its pools breaks the API contract', { error: e.message })
    return { result: 'invalid', reason: e.message }
  }
}
