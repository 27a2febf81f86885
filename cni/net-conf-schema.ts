import * as v from 'valibot'

export const DEFAULT_SOCKET_PATH = '/var/run/spidernet/spiderpool.sock'
/** Where Spiderpool's plugin logs when `log_file_path` is absent or "" (its docs and its code agree). */
export const DEFAULT_LOG_FILE_PATH = '/var/log/spidernet/spiderpool.log'

import { LOG_LEVELS, type LogLevel } from '../shared/log.ts'

export type { LogLevel }

// Spiderpool writes levels in capitals and also knows fatal/panic; both mean "errors only" here.
const LogLevelSchema = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.transform((s) => (s === '' ? 'info' : s === 'fatal' || s === 'panic' ? 'error' : s)),
  v.picklist(LOG_LEVELS, 'expected one of debug, info, warn, error'),
)

// Spiderpool's Go config treats "" like an absent key; so do we, so its configs keep working.
const emptyAsDefault = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), ''),
    v.transform((s) => (s === '' ? fallback : s)),
  )

/**
 * The longest `timeout_seconds`: timers hold at most 2^31 - 1 ms. Beyond it Node fires a timer
 * after 1 ms (every call "timed out" at once) and Bun's AbortSignal.timeout refuses Infinity.
 */
export const MAX_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000)

const PoolNamesSchema = v.array(v.string(), 'expected an array of IPPool names')

// Spiderpool documents the log_file_max_* keys as strings ("100") while its plugin reads
// integers; both are read here. The defaults are the documented ones.
const LogLimitSchema = (fallback: number) =>
  v.optional(
    v.pipe(
      v.union([v.number(), v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number))], 'expected a whole number'),
      v.integer('expected a whole number'),
      v.minValue(0, 'expected 0 or more'),
    ),
    fallback,
  )

/**
 * The `ipam` object, keys as Spiderpool's plugin spells them; unknown keys are accepted and
 * ignored. `timeout_seconds` is ours: an upper bound for every call to the service.
 */
export const IpamConfSchema = v.object(
  {
    type: v.optional(v.string()),
    default_ipv4_ippool: v.optional(PoolNamesSchema),
    default_ipv6_ippool: v.optional(PoolNamesSchema),
    clean_gateway: v.optional(v.boolean('expected a boolean')),
    match_master_subnet: v.optional(v.boolean('expected a boolean')),
    ipam_unix_socket_path: emptyAsDefault(DEFAULT_SOCKET_PATH),
    log_level: v.optional(LogLevelSchema, 'info'),
    log_file_path: emptyAsDefault(DEFAULT_LOG_FILE_PATH),
    /** Rotate once the file would pass this many MiB (0: the default). */
    log_file_max_size: LogLimitSchema(100),
    /** Remove rotated files older than this many days (0: keep them). */
    log_file_max_age: LogLimitSchema(30),
    /** Keep this many rotated files (0: all). */
    log_file_max_count: LogLimitSchema(7),
    timeout_seconds: v.optional(
      v.pipe(
        v.number('expected a number of seconds'),
        v.gtValue(0, 'expected more than 0 seconds'),
        v.maxValue(MAX_TIMEOUT_SECONDS, `expected at most ${MAX_TIMEOUT_SECONDS} seconds (about 24 days, the longest a timer holds)`),
      ),
    ),
  },
  'expected an ipam object',
)

export type IpamConf = v.InferOutput<typeof IpamConfSchema>

/** The network config on stdin; `prevResult` and the GC attachment lists are read by their verbs. */
export const NetConfSchema = v.object({
  cniVersion: v.string('expected a version string'),
  name: v.pipe(v.string('missing network name'), v.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'invalid characters in network name')),
  ipam: IpamConfSchema,
})

export type NetConf = v.InferOutput<typeof NetConfSchema>
