import { deadPodReason } from '../../shared/allocate/pod-rules.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import type { WatchHandler } from '../../shared/store/store.ts'

export interface LeakCollectorOptions {
  /** One scan (functions/reconcile-leaks). */
  collect: () => Promise<unknown>
  /** Full scans this often (Spiderpool: every 600 s). */
  intervalMs: number
  /** A pod event that frees addresses brings the next scan this close; a burst shares one scan. */
  soonMs?: number
  log?: Logger
}

export interface LeakCollector {
  start(): void
  /** For the pod watch: a deleted or finished pod asks for a scan soon. */
  onPod: WatchHandler<'Pod'>
  /** Asks for a scan soon (a burst shares one). */
  scanSoon(): void
  /** Asks for a scan in `ms` (a node's grace ends then). */
  scanAt(ms: number): void
  /** Stops the timers and waits for a scan in flight. */
  stop(): Promise<void>
}

/**
 * Runs the leaked-IP scan periodically and soon after pods go, never two at once (one asked for
 * meanwhile runs next). The first
 * periodic scan runs one interval after start, not at start: a fleet of restarting services must
 * not all scan the cluster at the same moment.
 */
export const createLeakCollector = (options: LeakCollectorOptions): LeakCollector => {
  const log = (options.log ?? silentLogger).child({ function: 'leak-collector' })
  let running: Promise<void> | undefined
  let interval: ReturnType<typeof setInterval> | undefined
  let soon: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  let again = false
  const later = new Set<ReturnType<typeof setTimeout>>()
  // A scan asked for while one runs follows it: the running one may have listed the pods before
  // the event that asked.
  const scan = (): Promise<void> => {
    if (running) {
      again = true
      return running
    }
    running = options
      .collect()
      .then(
        () => undefined,
        (error: unknown) => log.warn('leaked-IP scan failed, next one at the next occasion', { error }),
      )
      .finally(() => {
        running = undefined
        if (again && !stopped) {
          again = false
          void scan()
        }
      })
    return running
  }

  const scanSoon = () => {
    if (stopped || soon) return
    soon = setTimeout(() => {
      soon = undefined
      void scan()
    }, options.soonMs ?? 5000)
  }
  return {
    start: () => {
      interval = setInterval(() => void scan(), options.intervalMs)
    },
    onPod: (type, pod) => {
      const freed = type === 'DELETED' || (!pod.deletionTimestamp && deadPodReason(pod) !== undefined)
      if (freed) scanSoon()
    },
    scanSoon,
    scanAt: (ms) => {
      if (stopped) return
      const timer = setTimeout(() => {
        later.delete(timer)
        void scan()
      }, ms)
      later.add(timer)
    },
    stop: async () => {
      stopped = true
      clearInterval(interval)
      clearTimeout(soon)
      for (const timer of later) clearTimeout(timer)
      await running
    },
  }
}
