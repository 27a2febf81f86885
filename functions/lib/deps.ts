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
    /**
     * Auto pools from SpiderSubnets (on unless set to false): the spare addresses when a template
     * sets no ippool-ip-number, and how long an ADD waits for its application's pool before it
     * answers "try again" (default 3 s).
     */
    autoPools?: false | { defaultFlexible: number; waitMs?: number }
  }
}
