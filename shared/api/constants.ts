/**
 * Names of the Spiderpool v2beta1 API, copied from Spiderpool (pkg/constant/k8s.go) so that objects,
 * annotations and labels written for Spiderpool keep working unchanged.
 */
export const GROUP = 'spiderpool.spidernet.io'
export const VERSION = 'v2beta1'
export const API_VERSION = `${GROUP}/${VERSION}` as const

/** Spiderpool uses its API group as the finalizer on pools, subnets and endpoints. */
export const FINALIZER = GROUP

export const KIND = {
  ipPool: 'SpiderIPPool',
  subnet: 'SpiderSubnet',
  reservedIP: 'SpiderReservedIP',
  endpoint: 'SpiderEndpoint',
} as const
export type ResourceKind = (typeof KIND)[keyof typeof KIND]

/** URL path segments: /apis/spiderpool.spidernet.io/v2beta1/<plural>. */
export const PLURAL = {
  ipPool: 'spiderippools',
  subnet: 'spidersubnets',
  reservedIP: 'spiderreservedips',
  endpoint: 'spiderendpoints',
} as const

const PREFIX = 'ipam.spidernet.io'

/** Annotations users put on pods (and namespaces, for the default pools). */
export const ANNOTATION = {
  /** `{"ipv4":[..],"ipv6":[..]}`: candidate pools for the NIC being set up. */
  ippool: `${PREFIX}/ippool`,
  /** `[{"interface":"eth0","ipv4":[..],"ipv6":[..],"cleangateway":false}]`: multi-NIC. */
  ippools: `${PREFIX}/ippools`,
  subnet: `${PREFIX}/subnet`,
  subnets: `${PREFIX}/subnets`,
  /** `"2"` (fixed) or `"+1"` (replicas + 1): size of an auto pool. */
  ippoolIPNumber: `${PREFIX}/ippool-ip-number`,
  /** `"true"` (default) or `"false"`: delete the auto pool with its application or keep it. */
  ippoolReclaim: `${PREFIX}/ippool-reclaim`,
  routes: `${PREFIX}/routes`,
  /** On namespaces: JSON array of pool names. */
  defaultIPv4IPPool: `${PREFIX}/default-ipv4-ippool`,
  defaultIPv6IPPool: `${PREFIX}/default-ipv6-ippool`,
} as const

/** Labels the controllers put on pools and subnets. */
export const LABEL = {
  ownerSpiderSubnet: `${PREFIX}/owner-spider-subnet`,
  /** e.g. `10-6-0-0-16` for 10.6.0.0/16 (label values cannot hold `.` runs and `/`). */
  ippoolCIDR: `${PREFIX}/ippool-cidr`,
  subnetCIDR: `${PREFIX}/subnet-cidr`,
  /** Spiderpool mirrors the pod annotation onto the auto pool as a label of the same key. */
  ippoolReclaim: `${PREFIX}/ippool-reclaim`,
  ownerApplicationGV: `${PREFIX}/owner-application-gv`,
  ownerApplicationKind: `${PREFIX}/owner-application-kind`,
  ownerApplicationNamespace: `${PREFIX}/owner-application-namespace`,
  ownerApplicationName: `${PREFIX}/owner-application-name`,
  ownerApplicationUID: `${PREFIX}/owner-application-uid`,
  interface: `${PREFIX}/interface`,
  /** Value is LABEL_VALUE_IP_VERSION.v4 or .v6. */
  ipVersion: `${PREFIX}/ip-version`,
} as const

export const LABEL_VALUE_IP_VERSION = { v4: 'IPv4', v6: 'IPv6' } as const

/**
 * matchLabels keys of an auto pool's podAffinity: they pin the pool to exactly one application.
 * Kept in this order because Spiderpool lists them so.
 */
export const APP_LABEL = {
  apiGroup: `${PREFIX}/app-api-group`,
  apiVersion: `${PREFIX}/app-api-version`,
  kind: `${PREFIX}/app-kind`,
  namespace: `${PREFIX}/app-namespace`,
  name: `${PREFIX}/app-name`,
} as const
