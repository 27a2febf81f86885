/**
 * The one logger of the service and the CNI plugin: JSON lines, one object per event with `time`,
 * `level`, `msg` and the fields that identify what it is about (pool, subnet, pod, uid,
 * containerID, resourceVersion, ...). Web-standard only (console.error), so it runs unchanged on
 * Node, Deno and the plugin's bun binary. Lines go to stderr by default: the plugin's stdout
 * carries its CNI result.
 *
 * Levels: `error` (a bug or a failure nobody retries), `warn` (a failure that will be retried,
 * a state an operator should look at), `info` (what changed: allocations that failed, leaks
 * released, leadership, readiness), `debug` (every request that went well).
 *
 * @example
 * const log = createLogger({ level: 'info' }).child({ function: 'reconcile-ippool' })
 * log.warn('invalid SpiderIPPool, not reconciled', { pool: 'p1', error })
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogFields = Readonly<Record<string, unknown>>

export interface LogEntry {
  readonly time: string
  readonly level: LogLevel
  readonly msg: string
  readonly fields: LogFields
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line and writes where this one does. */
  child(fields: LogFields): Logger
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default 'info'. */
  level?: LogLevel
  fields?: LogFields
  /** Where a finished line goes; tests capture it. Default console.error. */
  write?: (line: string) => void
  now?: () => Date
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Whether an entry of `level` passes a threshold of `min`. An unknown threshold counts as info. */
export const passes = (level: LogLevel, min: LogLevel): boolean => RANK[level] >= (RANK[min] ?? RANK.info)

// JSON.stringify drops Error's own fields and throws on bigint: both are common here (IP counts).
const encode = (key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) {
    // undici's "fetch failed" says why only in its cause (ECONNREFUSED, a TLS error, ...).
    const text = value.cause instanceof Error ? `${value.message}: ${value.cause.message}` : value.message
    // A bug is logged under `stack` with where it happened; a known failure under `error` reads best short.
    return key === 'stack' ? (value.stack ?? text) : text
  }
  return value
}

/** One entry as one JSON line: time, level and msg first, then the fields. */
export const formatEntry = (entry: LogEntry): string => JSON.stringify({ time: entry.time, level: entry.level, msg: entry.msg, ...entry.fields }, encode)

/** A logger over any sink of entries: the base of createLogger and of the plugin's buffer. */
const loggerOver = (sink: (entry: LogEntry) => void, now: () => Date, base: LogFields): Logger => {
  const at =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}): void =>
      sink({ time: now().toISOString(), level, msg, fields: { ...base, ...fields } })
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => loggerOver(sink, now, { ...base, ...fields }),
  }
}

export const createLogger = (options: LoggerOptions = {}): Logger => {
  const min = options.level ?? 'info'
  const write = options.write ?? ((line: string) => console.error(line))
  return loggerOver((entry) => passes(entry.level, min) && write(formatEntry(entry)), options.now ?? (() => new Date()), options.fields ?? {})
}

/**
 * A logger that keeps its entries instead of writing them: the CNI plugin learns its level and
 * log file only once its config is parsed, and entries logged before that (environment errors)
 * must obey them too. `render` gives the lines at or above a level.
 */
export const createBufferedLogger = (options: { now?: () => Date; fields?: LogFields } = {}) => {
  const entries: LogEntry[] = []
  const log = loggerOver((entry) => void entries.push(entry), options.now ?? (() => new Date()), options.fields ?? {})
  return {
    log,
    entries: entries as readonly LogEntry[],
    render: (min: LogLevel): string[] => entries.filter((e) => passes(e.level, min)).map(formatEntry),
  }
}

/** For callers that pass no logger, and for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ write: () => {} })
