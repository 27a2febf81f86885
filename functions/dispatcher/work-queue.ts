export interface WorkQueueOptions {
  /** Reconciles one key; a throw schedules a retry of that key. */
  process: (key: string) => Promise<void>
  /** Keys processed at once (never the same key twice at once). Default 4. */
  concurrency?: number
  /** Delay before retrying a key that failed `failures` times in a row. Default 1 s doubling to 60 s. */
  retryDelayMs?: (failures: number) => number
  onError?: (key: string, error: unknown, failures: number) => void
}

export interface WorkQueue {
  /** Queues `key` unless it is queued already; a key in flight is queued again for after it. */
  add(key: string): void
  /** Resolves once nothing is queued or in flight (scheduled retries do not count). */
  drained(): Promise<void>
  /** Drops queued keys and pending retries, then waits for the keys in flight. */
  stop(): Promise<void>
  /** Keys waiting, in flight excluded. */
  readonly length: number
  /** Keys being processed now. */
  readonly inFlight: number
  /** Failed runs scheduled again so far. */
  readonly retries: number
}

const defaultRetryDelay = (failures: number) => Math.min(60_000, 1000 * 2 ** (failures - 1))

/**
 * A deduplicating work queue, after client-go's workqueue: bursts of events for one object
 * collapse into one reconcile, and one key is never reconciled twice concurrently (two runs would
 * only race each other's conditional writes). Reconciles read fresh state, so running a key once
 * more after a change seen mid-flight is all that is needed to converge.
 *
 * @example const queue = createWorkQueue({ process: (key) => reconcileKey(key) })
 */
export const createWorkQueue = (options: WorkQueueOptions): WorkQueue => {
  const concurrency = options.concurrency ?? 4
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay
  const ready: string[] = []
  /** Waiting keys: in `ready`, or parked until their run in flight ends. */
  const queued = new Set<string>()
  const inFlight = new Map<string, Promise<void>>()
  const failures = new Map<string, number>()
  const retries = new Map<string, ReturnType<typeof setTimeout>>()
  let waiters: Array<() => void> = []
  let stopped = false
  let retried = 0

  const settle = () => {
    if (ready.length > 0 || inFlight.size > 0) return
    const done = waiters
    waiters = []
    for (const resolve of done) resolve()
  }

  const pump = () => {
    while (!stopped && inFlight.size < concurrency && ready.length > 0) {
      const key = ready.shift() as string
      queued.delete(key)
      inFlight.set(key, run(key))
    }
    settle()
  }

  const run = async (key: string): Promise<void> => {
    await Promise.resolve() // let the caller register the run before it can finish
    try {
      await options.process(key)
      failures.delete(key)
      clearTimeout(retries.get(key))
      retries.delete(key)
    } catch (error) {
      const count = (failures.get(key) ?? 0) + 1
      failures.set(key, count)
      options.onError?.(key, error, count)
      if (!stopped && !retries.has(key)) {
        retried++
        retries.set(
          key,
          setTimeout(() => (retries.delete(key), add(key)), retryDelay(count)),
        )
      }
    } finally {
      inFlight.delete(key)
      if (queued.has(key)) ready.push(key)
      pump()
    }
  }

  const add = (key: string) => {
    if (stopped || queued.has(key)) return
    queued.add(key)
    if (!inFlight.has(key)) ready.push(key)
    pump()
  }

  return {
    add,
    drained: () => new Promise<void>((resolve) => (waiters.push(resolve), settle())),
    stop: async () => {
      stopped = true
      ready.length = 0
      queued.clear()
      for (const timer of retries.values()) clearTimeout(timer)
      retries.clear()
      await Promise.all(inFlight.values())
      settle()
    },
    get length() {
      return ready.length
    },
    get inFlight() {
      return inFlight.size
    },
    get retries() {
      return retried
    },
  }
}
