import * as v from 'valibot'
import { parseInput } from '../lib/parse-body.ts'

const Flag = v.pipe(
  v.picklist(['true', 'false', '1', '0'], 'must be true or false'),
  v.transform((s) => s === 'true' || s === '1'),
)
const Port = v.pipe(v.string(), v.transform(Number), v.integer('must be a port number'), v.minValue(0), v.maxValue(65535))

/** The service's environment, parsed once at start; a bad value stops it with the variable's name. */
export const ServiceConfigSchema = v.object({
  IPAM_SOCKET: v.optional(v.string(), '/var/run/spidernet/spiderpool.sock'),
  HTTP_PORT: v.optional(Port, '5710'),
  HTTP_HOST: v.optional(v.string(), '127.0.0.1'),
  NODE_NAME: v.optional(v.string()),
  SYSTEM_NAMESPACE: v.optional(v.string(), 'kube-system'),
  GROUP_COMMIT: v.optional(Flag, 'true'),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info'),
  RESYNC_SECONDS: v.optional(v.pipe(v.string(), v.transform(Number), v.number(), v.minValue(1)), '600'),
})
export type ServiceConfig = v.InferOutput<typeof ServiceConfigSchema>

export const readServiceConfig = (env: Record<string, string | undefined>): ServiceConfig =>
  parseInput(ServiceConfigSchema, Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')), 'environment')
