import type { Command } from './env.ts'
import type { NetConf } from './net-conf-schema.ts'

/**
 * How long one call to the service may take, per verb, unless `ipam.timeout_seconds` says otherwise.
 * - ADD 30 s: the service may read the pod and pools, retry status conflicts and write to the API
 *   server; well inside kubelet's 2 min runtime-request-timeout, so the runtime sees our error
 *   (11, and ADD is idempotent) rather than its own.
 * - DEL 30 s: the same writes; Spiderpool's plugin uses 30 s too.
 * - CHECK 10 s: one read.
 * - GC 60 s: may release many allocations in one call, and nobody waits on it.
 * - STATUS 5 s: containerd asks often; a service that slow is not ready for ADD anyway.
 * A dead service fails at once (ENOENT / ECONNREFUSED on the socket); timeouts only bound a hung one.
 */
export const DEFAULT_TIMEOUT_MS: Readonly<Record<Exclude<Command, 'VERSION'>, number>> = {
  ADD: 30_000,
  DEL: 30_000,
  CHECK: 10_000,
  GC: 60_000,
  STATUS: 5_000,
}

export const timeoutFor = (command: Exclude<Command, 'VERSION'>, conf: NetConf): number =>
  conf.ipam.timeout_seconds !== undefined ? conf.ipam.timeout_seconds * 1000 : DEFAULT_TIMEOUT_MS[command]
