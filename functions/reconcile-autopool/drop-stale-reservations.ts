import { applicationName, autoPoolName, findAutoPool, type AutoPoolApp, type AutoPoolIntent } from '../../shared/autopool/index.ts'
import { currentEntries, subnetStatusWith } from '../../shared/reconcile/index.ts'
import type { AppRef } from '../../shared/select/app-labels.ts'
import type { Logger } from '../../shared/log.ts'
import { retryOnConflict } from '../../shared/store/retry-on-conflict.ts'
import type { Store } from '../../shared/store/store.ts'

/**
 * Drops the application's reservations in SpiderSubnets that no pool will take: the entries named
 * for it whose pool does not exist and is not one it still wants (a pool of an earlier
 * incarnation, or of an application that is gone, once deleted; a reservation left by a crash
 * before its pool was made, when the application went meanwhile). Subnets are read before pools:
 * a pool made after the read is one its application wants, whose name is kept.
 */
export async function dropStaleReservations(store: Store, log: Logger, ref: AppRef, app?: AutoPoolApp, intent?: AutoPoolIntent): Promise<void> {
  const application = applicationName(ref)
  const subnets = await store.listSubnets()
  const mine = subnets.filter((s) => Object.values(currentEntries(s)).some((e) => e.application === application))
  if (mine.length === 0) return
  const pools = await store.listPools('latest')
  const existing = new Set(pools.map((p) => p.metadata.name))
  const wanted = new Set(
    app && intent ? intent.wants.map((w) => findAutoPool(pools, app, w)?.metadata.name ?? autoPoolName(app.name, w.family, w.nic, app.uid)) : [],
  )
  const stale = (name: string, entryApp: string | undefined) => entryApp === application && !existing.has(name) && !wanted.has(name)
  for (const first of mine) {
    let read = true
    await retryOnConflict(`drop stale reservations in SpiderSubnet ${first.metadata.name}`, async () => {
      // The first try decides on the subnet listed above; a lost race reads it again.
      const subnet = read ? first : await store.getSubnet(first.metadata.name)
      read = false
      if (!subnet) return
      const entries = currentEntries(subnet)
      const dropped = Object.keys(entries).filter((name) => stale(name, entries[name]?.application))
      if (dropped.length === 0) return
      for (const name of dropped) delete entries[name]
      const written = await store.replaceSubnetStatus(subnet, subnetStatusWith(subnet, entries))
      log.info('stale auto pool reservations dropped', { subnet: written.metadata.name, pools: dropped, resourceVersion: written.metadata.resourceVersion })
    })
  }
}
