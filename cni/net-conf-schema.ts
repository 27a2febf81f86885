import * as v from 'valibot'

export const DEFAULT_SOCKET_PATH = '/var/run/spidernet/spiderpool.sock'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

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

/**
 * The `ipam` object, keys as Spiderpool's plugin spells them. Unknown keys (log_file_max_size...)
 * are accepted and ignored. `timeout_seconds` is ours: an upper bound for every call to the service.
 */
export const IpamConfSchema = v.object(
  {
    type: v.optional(v.string()),
    default_ipv4_ippool: v.optional(PoolNamesSchema),
    default_ipv6_ippool: v.optional(PoolNamesSchema),
    clean_gateway: v.optional(v.boolean('expected a boolean')),
    ipam_unix_socket_path: emptyAsDefault(DEFAULT_SOCKET_PATH),
    log_level: v.optional(LogLevelSchema, 'info'),
    log_file_path: v.optional(v.string()),
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
  name: v.pipe(
    v.string('missing network name'),
    v.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'invalid characters in network name'),
  ),
  ipam: IpamConfSchema,
})

export type NetConf = v.InferOutput<typeof NetConfSchema>
