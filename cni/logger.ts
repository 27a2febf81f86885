import { LOG_LEVELS, type LogLevel } from './net-conf-schema.ts'

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
  /** A logger that adds `fields` to every entry and writes into the same buffer. */
  child(fields: LogFields): Logger
  readonly entries: readonly LogEntry[]
}

/**
 * Buffers entries instead of writing them: the level and the destination are only known once the
 * config is parsed, and entries logged before that (env errors) must obey them too.
 */
export const createLogger = (now: () => Date): Logger => {
  const entries: LogEntry[] = []
  const make = (base: LogFields): Logger => {
    const at =
      (level: LogLevel) =>
      (msg: string, fields: LogFields = {}): void => {
        entries.push({ time: now().toISOString(), level, msg, fields: { ...base, ...fields } })
      }
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => make({ ...base, ...fields }),
      entries,
    }
  }
  return make({})
}

/** One JSON object per line, entries below `minLevel` dropped. */
export const renderLog = (entries: readonly LogEntry[], minLevel: LogLevel): string[] => {
  const min = LOG_LEVELS.indexOf(minLevel)
  return entries
    .filter((e) => LOG_LEVELS.indexOf(e.level) >= min)
    .map((e) =>
      JSON.stringify({ time: e.time, level: e.level, msg: e.msg, plugin: 'spinneret', ...e.fields }),
    )
}
