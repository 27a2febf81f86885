import { silentLogger, type Logger } from '../../shared/log.ts'
import type { EventRecord, EventStore } from '../../shared/store/store.ts'

export interface EventSubject {
  apiVersion: string
  kind: string
  name: string
  /** Absent for a cluster-scoped object (a pool): its events go to `default`, as Kubernetes' own do. */
  namespace?: string
  uid?: string
}

export interface EventRecorderOptions {
  store: EventStore
  /** `source.component` of every event. */
  component?: string
  /** `source.host`: the node the service runs on. */
  host?: string
  log?: Logger
  /** Events this process may write at once, then `ratePerSecond` more each second. */
  burst?: number
  ratePerSecond?: number
  /** A repeat (same object, reason and message) within this window bumps the first one's count. */
  aggregateMs?: number
  /** Told of every event: written, or dropped (over the rate, or refused by the API server). */
  onRecorded?: (reason: string, outcome: 'written' | 'dropped') => void
  now?: () => Date
}

export interface EventRecorder {
  /** Never throws and never waits for the API server: events are best effort. */
  record(subject: EventSubject, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): void
  /** Resolves once the writes started so far are done (tests, shutdown). */
  flushed(): Promise<void>
}

// The API server refuses an event message past 1 KiB (validation of core/v1 Event).
const MAX_MESSAGE = 1024

/**
 * Kubernetes Events, written as client-go's recorder writes them: a repeat of the same event on
 * the same object within the window increments the first one's count instead of adding an
 * object, and a token bucket keeps a storm of failures (a full pool, thousands of pods retrying)
 * from turning into a storm of writes to the API server. Dropped events are counted.
 *
 * @example recorder.record({ apiVersion: 'v1', kind: 'Pod', namespace, name, uid }, { type: 'Warning', reason: 'IPAllocationFailed', message })
 */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const log = (options.log ?? silentLogger).child({ function: 'events' })
  const now = options.now ?? (() => new Date())
  const burst = options.burst ?? 25
  const rate = options.ratePerSecond ?? 1
  const aggregateMs = options.aggregateMs ?? 10 * 60_000
  const component = options.component ?? 'spinneret'
  let tokens = burst
  let refilledAt = now().getTime()
  /** key -> the event written for it, while it may still be aggregated. */
  const written = new Map<string, { namespace: string; name: string; count: number; first: number; write: Promise<boolean> }>()
  const pending = new Set<Promise<unknown>>()

  const take = (): boolean => {
    const t = now().getTime()
    tokens = Math.min(burst, tokens + ((t - refilledAt) / 1000) * rate)
    refilledAt = t
    if (tokens < 1) return false
    tokens--
    return true
  }
  const track = (p: Promise<unknown>) => {
    pending.add(p)
    void p.finally(() => pending.delete(p))
  }
  const forgetOld = (t: number) => {
    for (const [key, entry] of written) if (t - entry.first > aggregateMs) written.delete(key)
  }

  return {
    record: (subject, { type, reason, message }) => {
      const t = now()
      forgetOld(t.getTime())
      const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message
      const key = JSON.stringify([subject.kind, subject.namespace, subject.name, subject.uid, type, reason, text])
      if (!take()) {
        options.onRecorded?.(reason, 'dropped')
        log.debug('event dropped: over the rate limit', { reason, object: `${subject.kind} ${subject.name}` })
        return
      }
      const seen = written.get(key)
      if (seen) {
        seen.count++
        const count = seen.count
        // After the create it bumps; a failed create leaves nothing to bump.
        track(
          seen.write
            .then(async (created) => {
              if (!created) return
              await options.store.updateEventCount(seen.namespace, seen.name, count, t.toISOString())
              options.onRecorded?.(reason, 'written')
            })
            .catch((error: unknown) => {
              options.onRecorded?.(reason, 'dropped')
              log.warn('could not update an event', { reason, error })
            }),
        )
        return
      }
      const namespace = subject.namespace ?? 'default'
      const event: EventRecord = {
        namespace,
        // Kubernetes' convention: the object's name and a unique suffix (client-go: the time in hex nanoseconds).
        name: `${subject.name}.${(t.getTime() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`,
        involvedObject: {
          apiVersion: subject.apiVersion,
          kind: subject.kind,
          name: subject.name,
          ...(subject.namespace ? { namespace: subject.namespace } : {}),
          ...(subject.uid ? { uid: subject.uid } : {}),
        },
        type,
        reason,
        message: text,
        count: 1,
        firstTimestamp: t.toISOString(),
        lastTimestamp: t.toISOString(),
        source: { component, ...(options.host ? { host: options.host } : {}) },
      }
      const write = options.store.createEvent(event).then(
        () => (options.onRecorded?.(reason, 'written'), true),
        (error: unknown) => {
          options.onRecorded?.(reason, 'dropped')
          log.warn('could not record an event', { reason, object: `${subject.kind} ${namespace}/${subject.name}`, error })
          written.delete(key)
          return false
        },
      )
      written.set(key, { namespace, name: event.name, count: 1, first: t.getTime(), write })
      track(write)
    },
    flushed: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending])
    },
  }
}
