/**
 * The one logger: JSON lines on stderr (stdout may carry a CNI result), one object per event with
 * `time`, `level`, `msg` and the fields that identify what it is about (pool, subnet, pod, uid,
 * resourceVersion, ...). Web-standard only (console.error), so it runs unchanged on Node and Deno.
 *
 * @example
 * const log = createLogger({ level: 'info' }).with({ function: 'reconcile-ippool' })
 * log.warn('invalid SpiderIPPool, not reconciled', { pool: 'p1', error })
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Readonly<Record<string, unknown>>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger
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

// JSON.stringify drops Error's own fields and throws on bigint: both are common here (IP counts).
const encode = (_key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return value.toString()
  // undici's "fetch failed" says why only in its cause (ECONNREFUSED, a TLS error, ...).
  if (value instanceof Error) return value.cause instanceof Error ? `${value.message}: ${value.cause.message}` : value.message
  return value
}

export const createLogger = (options: LoggerOptions = {}): Logger => {
  // An unknown level (a typo in configuration) falls back to info rather than logging nothing.
  const threshold = RANK[options.level ?? 'info'] ?? RANK.info
  const write = options.write ?? ((line: string) => console.error(line))
  const now = options.now ?? (() => new Date())
  const base = options.fields ?? {}
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < threshold) return
    write(JSON.stringify({ time: now().toISOString(), level, msg, ...base, ...fields }, encode))
  }
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  }
}

/** For callers that pass no logger, and for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ write: () => {} })
