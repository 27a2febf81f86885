import { IpamError } from '../errors.ts'
import { isStoreConflict } from './store.ts'

export interface RetryOptions {
  /** Tries in all, the first included. */
  attempts?: number
  /** Backoff before the second try; doubles each time up to maxDelayMs, with full jitter. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Called once per lost race, e.g. to count conflicts in metrics. */
  onConflict?: (attempt: number) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

/** Every try lost its race: a `try-again` that metrics count apart (Spiderpool's "retries exhausted"). */
export class ConflictsExhausted extends IpamError {
  constructor(message: string) {
    super('try-again', message)
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs `attempt` (read, decide, conditional write) until it does not lose a resourceVersion race.
 * Full jitter keeps processes that collided once from colliding again in lockstep. When every try
 * lost, the caller gets IpamError('try-again'), which the CNI client turns into code 11 so the
 * runtime retries later instead of failing the pod.
 *
 * @example await retryOnConflict(`reconcile SpiderIPPool ${name}`, () => reconcileOnce(name))
 */
export async function retryOnConflict<T>(what: string, attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8
  const base = options.baseDelayMs ?? 5
  const max = options.maxDelayMs ?? 500
  const sleep = options.sleep ?? defaultSleep
  const random = options.random ?? Math.random
  for (let i = 1; ; i++) {
    try {
      return await attempt()
    } catch (e) {
      if (!isStoreConflict(e)) throw e
      options.onConflict?.(i)
      if (i >= attempts) {
        throw new ConflictsExhausted(`${what}: ${e.message}, gave up after ${attempts} tries; try again later`)
      }
      await sleep(random() * Math.min(max, base * 2 ** (i - 1)))
    }
  }
}
