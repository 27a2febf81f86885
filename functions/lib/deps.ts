import type { Store } from '../../shared/store/store.ts'
import type { PoolWriter } from './pool-writer.ts'

/** What every function is handed: the store, the per-process pool writer and configuration. */
export interface Deps {
  store: Store
  poolWriter: PoolWriter
  config: {
    /** The project's namespace: where bare Multus network names live. */
    systemNamespace: string
    /** The node this service instance answers for (CNI GC is scoped to it). */
    nodeName?: string
  }
}
