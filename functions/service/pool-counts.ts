import { parseControlledIPPools, type SpiderIPPool, type SpiderSubnet } from '../../shared/api/index.ts'
import type { WatchSource } from '../../shared/store/store.ts'
import type { PoolCounts } from './metrics.ts'

/**
 * The leader's pool and subnet counts for metrics, learnt from the watch events its dispatcher
 * gets anyway: `observing` passes a source through and remembers the latest of each object.
 */
export function createPoolCounts() {
  const pools = new Map<string, SpiderIPPool>()
  const subnets = new Map<string, SpiderSubnet>()
  return {
    observing(source: WatchSource): WatchSource {
      return {
        list: (kind) => source.list(kind),
        watch: (kind, onEvent) =>
          source.watch(kind, (type, object) => {
            if (kind === 'SpiderIPPool' || kind === 'SpiderSubnet') {
              const map = (kind === 'SpiderIPPool' ? pools : subnets) as Map<string, SpiderIPPool | SpiderSubnet>
              const o = object as SpiderIPPool | SpiderSubnet
              if (type === 'DELETED') map.delete(o.metadata.name)
              else map.set(o.metadata.name, o)
            }
            onEvent(type, object)
          }),
      }
    },
    counts(): PoolCounts {
      return {
        pools: [...pools.values()].map((p) => ({ name: p.metadata.name, total: p.status.totalIPCount ?? 0, allocated: p.status.allocatedIPCount ?? 0 })),
        subnets: [...subnets.values()].map((s) => ({
          name: s.metadata.name,
          pools: safeCount(() => Object.keys(parseControlledIPPools(s.status.controlledIPPools, s.metadata.name)).length),
          total: s.status.totalIPCount ?? 0,
          allocated: s.status.allocatedIPCount ?? 0,
        })),
      }
    },
    /** A new leadership term starts from what its watches list. */
    clear() {
      pools.clear()
      subnets.clear()
    },
  }
}

const safeCount = (count: () => number): number => {
  try {
    return count()
  } catch {
    return 0
  }
}
