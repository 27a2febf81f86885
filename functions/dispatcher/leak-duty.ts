import type { Leak } from '../../shared/reconcile/index.ts'
import type { Logger } from '../../shared/log.ts'
import type { Store, WatchSource } from '../../shared/store/store.ts'
import type { PoolWriter } from '../lib/pool-writer.ts'
import { collectLeakedIPs } from '../reconcile-leaks/index.ts'
import { createLeakCollector } from './leak-collector.ts'

export interface LeakDutyOptions {
  store: Store
  /** Pods (with `nodeName`: that node's, the source is scoped to them), and for the cluster scope nodes. */
  source: WatchSource
  poolWriter: PoolWriter
  log?: Logger
  /** Full scans this often. */
  intervalMs: number
  /** Scan this node's records only (every replica); without it, the whole cluster (the leader). */
  nodeName?: string
  /** Cluster scope: a pod on a node down this long counts as gone (see collectLeakedIPs). */
  nodeDownGraceSeconds?: number
  /** A pod event brings the next scan this close. */
  soonMs?: number
  /**
   * Scan soon after starting: a new leader, whose predecessor may have left a scan undone (pods
   * that went while nobody led send no event again). Not for the node scans: a fleet of
   * restarting services must not all scan at once.
   */
  scanAtStart?: boolean
  onScan?: (outcome: { released: number } | { error: unknown }) => void
  onReleased?: (pool: string, leaks: Leak[]) => void
}

/**
 * Collects leaked addresses: periodically and soon after a pod goes. With `nodeName`, the node's
 * own records, from the node's pod watch (every replica, for its node). Without it, every record
 * of the cluster (the leader): it also watches nodes, so that a pod on a node that went down is
 * collected once the grace has passed and a deleted node's pods soon after they go.
 *
 * @returns stop (waits for a scan in flight)
 */
export function startLeakDuty(options: LeakDutyOptions): () => Promise<void> {
  const goneNodes = new Map<string, string>()
  const collector = createLeakCollector({
    collect: async () => {
      try {
        const outcome = await collectLeakedIPs({
          store: options.store,
          poolWriter: options.poolWriter,
          ...(options.log ? { log: options.log } : {}),
          ...(options.nodeName === undefined ? { goneNodes, nodeDownGraceSeconds: options.nodeDownGraceSeconds } : { nodeName: options.nodeName }),
          ...(options.onReleased ? { onReleased: options.onReleased } : {}),
        })
        options.onScan?.({ released: outcome.released })
        options.log?.debug('leaked-IP scan done', {
          scope: options.nodeName ?? 'cluster',
          released: outcome.released,
          endpointsDeleted: outcome.endpointsDeleted,
        })
      } catch (error) {
        options.onScan?.({ error })
        throw error
      }
    },
    intervalMs: options.intervalMs,
    soonMs: options.soonMs,
    ...(options.log ? { log: options.log } : {}),
  })
  collector.start()
  if (options.scanAtStart) collector.scanSoon()
  const stops = [options.source.watch('Pod', collector.onPod)]
  const grace = options.nodeDownGraceSeconds
  if (options.nodeName === undefined && grace !== undefined) {
    // One judgement per node and down-since: a NotReady node's status events repeat.
    const judged = new Map<string, string>()
    // A node going down is judged when its grace has passed; one deleted is noticed at the next
    // scan and judged a grace later (its pods usually go before: the pod GC deletes them).
    stops.push(
      options.source.watch('Node', (type, node) => {
        if (type === 'DELETED') {
          judged.delete(node.name)
          collector.scanSoon()
          collector.scanAt(grace * 1000 + 5000)
        } else if (node.ready) {
          judged.delete(node.name)
        } else if (judged.get(node.name) !== (node.readySince ?? '')) {
          judged.set(node.name, node.readySince ?? '')
          const since = node.readySince ? Date.parse(node.readySince) : Date.now()
          collector.scanAt(Math.max(0, since + grace * 1000 - Date.now()) + 1000)
        }
      }),
    )
  }
  return async () => {
    for (const stop of stops) stop()
    await collector.stop()
  }
}
