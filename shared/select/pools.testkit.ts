import type { PoolView } from './pool-view.ts'

/** A pool that serves anyone, unless `extra` says otherwise. */
export const pool = (name: string, ipVersion: 4 | 6 = 4, extra: Partial<PoolView> = {}): PoolView => ({
  name,
  ipVersion,
  terminating: false,
  disable: false,
  default: false,
  ...extra,
})
