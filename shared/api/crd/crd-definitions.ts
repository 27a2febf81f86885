import type * as v from 'valibot'
import { KIND, PLURAL } from '../constants.ts'
import { SpiderEndpointSchema } from '../endpoint/spider-endpoint.ts'
import { SpiderIPPoolSchema } from '../ippool/spider-ippool.ts'
import { SpiderReservedIPSchema } from '../reserved-ip/spider-reserved-ip.ts'
import { SpiderSubnetSchema } from '../subnet/spider-subnet.ts'

export interface PrinterColumn {
  name: string
  type: 'string' | 'integer' | 'boolean'
  jsonPath: string
  description: string
  /** 1 = only with `kubectl get -o wide`. */
  priority?: number
}

/** Everything about a CRD that is not the shape of its objects. */
export interface CrdDefinition {
  kind: string
  plural: string
  singular: string
  shortNames: string[]
  scope: 'Cluster' | 'Namespaced'
  statusSubresource: boolean
  description: string
  schema: v.ObjectSchema<v.ObjectEntries, undefined>
  columns: PrinterColumn[]
}

/** Described by the field it shows (`.spec.ipVersion` -> ipVersion), as Spiderpool does. */
const column = (name: string, type: PrinterColumn['type'], jsonPath: string, options: { priority?: number; description?: string } = {}): PrinterColumn => {
  const description = options.description ?? jsonPath.slice(jsonPath.lastIndexOf('.') + 1)
  const { priority } = options
  return priority === undefined ? { name, type, jsonPath, description } : { name, type, jsonPath, description, priority }
}
const wide = { priority: 1 }

// VERSION is a string column although ipVersion is an integer, as in Spiderpool: it prints "4"
// either way, and users' scripts that parse `kubectl get` output see the same text.
const version = column('VERSION', 'string', '.spec.ipVersion')
const subnet = column('SUBNET', 'string', '.spec.subnet')
const allocated = column('ALLOCATED-IP-COUNT', 'integer', '.status.allocatedIPCount')
const total = column('TOTAL-IP-COUNT', 'integer', '.status.totalIPCount')

/**
 * The four CRDs. Column order is what users' docs show for Spiderpool; DISABLE is a default column
 * here (Spiderpool hides it behind -o wide) because the seed scenario's output shows it.
 */
export const CRD_DEFINITIONS: readonly CrdDefinition[] = [
  {
    kind: KIND.ipPool,
    plural: PLURAL.ipPool,
    singular: 'spiderippool',
    shortNames: ['sp'],
    scope: 'Cluster',
    statusSubresource: true,
    description: 'SpiderIPPool is a pool of IP addresses that pods get their addresses from.',
    schema: SpiderIPPoolSchema,
    columns: [
      version,
      subnet,
      allocated,
      total,
      column('DEFAULT', 'boolean', '.spec.default'),
      column('DISABLE', 'boolean', '.spec.disable'),
      column('NODENAME', 'string', '.spec.nodeName', wide),
      column('MULTUSNAME', 'string', '.spec.multusName', wide),
      // The namespace of an auto pool's application, from the podAffinity that pins it.
      column('APP-NAMESPACE', 'string', ".spec.podAffinity.matchLabels['ipam\\.spidernet\\.io/app\\-namespace']", {
        ...wide,
        description: 'appNamespace',
      }),
    ],
  },
  {
    kind: KIND.subnet,
    plural: PLURAL.subnet,
    singular: 'spidersubnet',
    shortNames: ['ss'],
    scope: 'Cluster',
    statusSubresource: true,
    description: 'SpiderSubnet is the range of addresses a zone may use; pools are carved out of it.',
    schema: SpiderSubnetSchema,
    columns: [version, subnet, allocated, total],
  },
  {
    kind: KIND.reservedIP,
    plural: PLURAL.reservedIP,
    singular: 'spiderreservedip',
    shortNames: ['sr'],
    scope: 'Cluster',
    statusSubresource: false,
    description: 'SpiderReservedIP lists addresses that no pool may hand out.',
    schema: SpiderReservedIPSchema,
    columns: [version],
  },
  {
    kind: KIND.endpoint,
    plural: PLURAL.endpoint,
    singular: 'spiderendpoint',
    shortNames: ['se'],
    scope: 'Namespaced',
    statusSubresource: false,
    description: 'SpiderEndpoint records the addresses a pod holds; it is named like the pod.',
    schema: SpiderEndpointSchema,
    columns: [
      column('INTERFACE', 'string', '.status.current.ips[0].interface'),
      column('IPV4POOL', 'string', '.status.current.ips[0].ipv4Pool'),
      column('IPV4', 'string', '.status.current.ips[0].ipv4'),
      column('IPV6POOL', 'string', '.status.current.ips[0].ipv6Pool'),
      column('IPV6', 'string', '.status.current.ips[0].ipv6'),
      column('NODE', 'string', '.status.current.node'),
    ],
  },
]
