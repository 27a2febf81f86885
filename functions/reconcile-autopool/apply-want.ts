import type { SpiderIPPool } from '../../shared/api/index.ts'
import { reservedRanges } from '../../shared/allocate/pool-ranges.ts'
import { findAutoPool, planAutoPool, type AutoPoolApp, type AutoPoolIntent, type AutoPoolWant, type RefusalReason } from '../../shared/autopool/index.ts'
import { IpamError } from '../../shared/errors.ts'
import type { Logger } from '../../shared/log.ts'
import { isStoreConflict, type Store } from '../../shared/store/store.ts'

/** Where one auto pool stands after the steps a reconcile could take now. */
export type WantOutcome = { kind: 'settled'; pool: SpiderIPPool } | { kind: 'wait'; why: string } | { kind: 'refuse'; reason: RefusalReason; why: string }

// A pool is made in two steps and reshaped in at most four; the rest is room for lost races.
const MAX_STEPS = 24

/**
 * Brings one auto pool to what its application asks: read the subnet, the pools and the reserved
 * IPs (all 'latest'), ask shared/autopool for the next step, write it conditionally, and again,
 * until the pool is settled or must wait or cannot be made. A lost race (409) reads again.
 * @throws IpamError('try-again') when it does not settle within MAX_STEPS (the caller retries later)
 */
export async function applyWant(
  store: Store,
  log: Logger,
  app: AutoPoolApp,
  want: AutoPoolWant,
  intent: Pick<AutoPoolIntent, 'size' | 'reclaim' | 'ipNumber'>,
): Promise<WantOutcome> {
  for (let i = 0; i < MAX_STEPS; i++) {
    const [subnet, pools, reserved] = await Promise.all([store.getSubnet(want.subnet), store.listPools('latest'), store.listReservedIPs('latest')])
    const pool = findAutoPool(pools, app, want)
    const step = planAutoPool({ app, want, intent, subnet, pool, pools, reserved: reservedRanges(reserved) })
    if (step.kind === 'settled' || step.kind === 'wait' || step.kind === 'refuse') return step
    try {
      if (step.kind === 'write-subnet') {
        const written = await store.replaceSubnetStatus(step.subnet, step.status)
        log.info('SpiderSubnet reserves for auto pool', {
          subnet: written.metadata.name,
          nic: want.nic,
          family: want.family,
          step: step.why,
          resourceVersion: written.metadata.resourceVersion,
          allocatedIPCount: written.status.allocatedIPCount,
        })
      } else if (step.kind === 'create-pool') {
        const created = await store.createPool(step.pool)
        log.info('auto pool created', {
          pool: created.metadata.name,
          subnet: want.subnet,
          ips: created.spec.ips,
          resourceVersion: created.metadata.resourceVersion,
        })
      } else {
        const updated = await store.replacePool(step.pool)
        log.info('auto pool updated', {
          pool: updated.metadata.name,
          step: step.why,
          ips: updated.spec.ips,
          excludeIPs: updated.spec.excludeIPs,
          resourceVersion: updated.metadata.resourceVersion,
        })
      }
    } catch (e) {
      if (!isStoreConflict(e)) throw e
      log.debug('auto pool step lost a race, deciding again', { nic: want.nic, family: want.family, step: step.kind })
    }
  }
  throw new IpamError(
    'try-again',
    `the IPv${want.family} auto pool of ${app.kind} ${app.namespace}/${app.name} for ${want.nic} did not settle within ${MAX_STEPS} steps`,
  )
}
