/**
 * "Process alive, event loop not stalled" for /healthz. A heartbeat every `intervalMs` measures
 * how late it fired: the event loop's lag. A loop that is blocked answers no probe at all (the
 * kubelet's timeout restarts it); one that runs but lags by seconds per turn (a CPU-bound bug, a
 * synchronous scan of a huge object, starved timers) still answers, and must say it is stalled:
 * every IPAM call would time out behind it. Restarting is the cure for both.
 */
export interface LivenessOptions {
  intervalMs?: number
  /** A heartbeat later than this (or none for this long) means stalled. */
  stallMs?: number
  /**
   * A stall is reported for this long after it ended, so that the probe after it sees it (the
   * heartbeat after a block fires before the probe's request is read). The probe's period: one
   * stall fails one probe; a loop that keeps stalling fails the probe's threshold and is restarted.
   */
  windowMs?: number
  now?: () => number
}

export interface Liveness {
  start(): void
  stop(): void
  current(): { alive: boolean; problem?: string; lagMs: number }
}

export function createLiveness({ intervalMs = 500, stallMs = 5000, windowMs = 10_000, now = () => performance.now() }: LivenessOptions = {}): Liveness {
  let last = now()
  let lagMs = 0
  let stall: { at: number; lagMs: number } | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  return {
    start: () => {
      last = now()
      timer = setInterval(() => {
        const t = now()
        lagMs = Math.max(0, t - last - intervalMs)
        last = t
        if (lagMs > stallMs) stall = { at: t, lagMs }
      }, intervalMs)
      // The heartbeat alone must not keep a process that is done from exiting.
      ;(timer as { unref?: () => void }).unref?.()
    },
    stop: () => clearInterval(timer),
    current: () => {
      const silentMs = now() - last
      if (stall && now() - stall.at <= windowMs) {
        return { alive: false, lagMs, problem: `event loop stalled: a ${intervalMs} ms heartbeat fired ${Math.round(stall.lagMs)} ms late` }
      }
      if (silentMs > intervalMs + stallMs) return { alive: false, lagMs, problem: `event loop stalled: no heartbeat for ${Math.round(silentMs)} ms` }
      return { alive: true, lagMs }
    },
  }
}
