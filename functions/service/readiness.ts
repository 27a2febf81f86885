import type { Logger } from '../../shared/log.ts'

/** A check names what keeps the service from serving; none means ready. */
export type ReadinessCheck = () => Promise<string[]> | string[]

export interface ReadinessOptions {
  checks: readonly ReadinessCheck[]
  log: Logger
  /**
   * How often the checks run while ready. Every node's service runs them: at 5,000 nodes, every
   * 30 s is 167 discovery GETs a second (served from the API server's memory), every 2 s would be
   * 2,500. The period matters little for the API server stopping: its watches break and every
   * failed call reaches it (checkNow), so readiness turns within a second. The period bounds how
   * long an API server that hangs without refusing, or a CRD deleted, goes unnoticed.
   */
  intervalMs?: number
  /** How often they run while not ready, to notice recovery soon. */
  retryMs?: number
  /** A check that takes longer counts as failed: a probe must answer within its own timeout. */
  timeoutMs?: number
}

export interface ReadinessState {
  ready: boolean
  problems: string[]
}

export interface Readiness {
  current(): ReadinessState
  /** Runs the checks now (and then again and again); resolves after this round. */
  start(): Promise<void>
  /** Runs the checks now, unless a round is running: a watch broke, a call found the API server unreachable. */
  checkNow(): void
  stop(): void
}

/**
 * Whether the service can do its job, checked in the background so that probes and every IPAM
 * request read a state instead of calling the API server themselves. A change is logged once,
 * with the reasons, so "why is this node's IPAM not ready" has an answer in the pod's log.
 */
export function createReadiness({ checks, log, intervalMs = 30_000, retryMs = 1000, timeoutMs = 3000 }: ReadinessOptions): Readiness {
  let state: ReadinessState = { ready: false, problems: ['starting'] }
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  let running: Promise<void> | undefined

  const withTimeout = (check: ReadinessCheck): Promise<string[]> =>
    new Promise((resolve) => {
      const timeout = setTimeout(() => resolve([`a readiness check took longer than ${timeoutMs} ms`]), timeoutMs)
      Promise.resolve()
        .then(check)
        .then(
          (problems) => resolve(problems),
          (e: unknown) => resolve([`a readiness check failed: ${e instanceof Error ? e.message : String(e)}`]),
        )
        .finally(() => clearTimeout(timeout))
    })

  const round = async () => {
    const problems = (await Promise.all(checks.map(withTimeout))).flat()
    const next = { ready: problems.length === 0, problems }
    if (next.ready !== state.ready || next.problems.join('\n') !== state.problems.join('\n')) {
      if (next.ready) log.info('ready')
      else log.warn('not ready', { problems })
    }
    state = next
  }
  const schedule = () => {
    clearTimeout(timer)
    if (stopped) return
    timer = setTimeout(() => void runOnce(), state.ready ? intervalMs : retryMs)
    // A process waiting only for this timer should still be able to exit.
    ;(timer as { unref?: () => void }).unref?.()
  }
  const runOnce = () =>
    (running ??= round().finally(() => {
      running = undefined
      schedule()
    }))

  return {
    current: () => state,
    start: () => {
      stopped = false
      return runOnce()
    },
    checkNow: () => {
      if (!stopped) void runOnce()
    },
    stop: () => {
      stopped = true
      clearTimeout(timer)
    },
  }
}
