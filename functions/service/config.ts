import * as v from 'valibot'
import { IpamError } from '../../shared/errors.ts'
import { parseInput } from '../lib/parse-body.ts'
import { LOG_LEVELS } from '../../shared/log.ts'

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
  /** Prometheus metrics (Spiderpool's agent port), on HTTP_HOST. */
  METRICS_PORT: v.optional(Port, '5711'),
  NODE_NAME: v.optional(v.string()),
  /** This replica's pod (the DaemonSet sets it): the leader Lease names its holder by it. */
  POD_NAME: v.optional(v.string()),
  /** The Lease in SERVICE_NAMESPACE whose holder does the cluster-wide duties. */
  LEADER_LEASE_NAME: v.optional(v.string(), 'spinneret-leader'),
  /** How long an unrenewed lease stays its holder's: how long a leader that died leaves the duties undone. */
  LEADER_LEASE_SECONDS: v.optional(v.pipe(v.string(), v.transform(Number), v.number(), v.minValue(3)), '15'),
  /** The leader releases the addresses of pods on a node down (NotReady, or deleted) this long. */
  NODE_DOWN_GRACE_SECONDS: v.optional(v.pipe(v.string(), v.transform(Number), v.number(), v.minValue(0)), '600'),
  /** Where bare Multus network names (`macvlan-conf`) live. */
  SYSTEM_NAMESPACE: v.optional(v.string(), 'kube-system'),
  /** The service's own namespace: its claim registry, webhook certificate and Service. */
  SERVICE_NAMESPACE: v.optional(v.string(), 'kube-system'),
  GROUP_COMMIT: v.optional(Flag, 'true'),
  LOG_LEVEL: v.optional(v.picklist([...LOG_LEVELS]), 'info'),
  RESYNC_SECONDS: v.optional(v.pipe(v.string(), v.transform(Number), v.number(), v.minValue(1)), '600'),
  /** The admission webhooks (HTTPS); 0 turns them off. */
  WEBHOOK_PORT: v.optional(Port, '5712'),
  WEBHOOK_HOST: v.optional(v.string(), '127.0.0.1'),
  /** A certificate and key the user brings; both or neither. Without them the service makes its own. */
  WEBHOOK_TLS_CERT_FILE: v.optional(v.string()),
  WEBHOOK_TLS_KEY_FILE: v.optional(v.string()),
  /** The CA of a brought certificate, to keep the webhook configurations' caBundle current. */
  WEBHOOK_TLS_CA_FILE: v.optional(v.string()),
  WEBHOOK_TLS_SECRET: v.optional(v.string(), 'spinneret-webhook-tls'),
  WEBHOOK_SERVICE: v.optional(v.string(), 'spinneret-webhook'),
  /** Comma-separated names and IP addresses the certificate must name besides the Service's. */
  WEBHOOK_CERT_HOSTS: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) =>
        s
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== ''),
      ),
    ),
    '',
  ),
  WEBHOOK_CONFIGURATION: v.optional(v.string(), 'spinneret'),
  /** Auto pools from SpiderSubnets (Spiderpool's enableAutoPoolForApplication); off refuses the subnet annotations. */
  AUTO_POOLS: v.optional(Flag, 'true'),
  /** Spare IPs of an auto pool whose template sets no ippool-ip-number (Spiderpool's clusterSubnetDefaultFlexibleIPNumber). */
  AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: v.optional(v.pipe(v.string(), v.transform(Number), v.integer('must be a whole number'), v.minValue(0)), '1'),
})
export type ServiceConfig = v.InferOutput<typeof ServiceConfigSchema>

export const readServiceConfig = (env: Record<string, string | undefined>): ServiceConfig => {
  const config = parseInput(
    ServiceConfigSchema,
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
    'environment',
  )
  if ((config.WEBHOOK_TLS_CERT_FILE === undefined) !== (config.WEBHOOK_TLS_KEY_FILE === undefined)) {
    throw new IpamError('invalid-request', 'invalid environment: WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE are given together or not at all')
  }
  return config
}
