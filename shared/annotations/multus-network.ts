import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey, type Annotations } from './keys.ts'
import { isUnclaimedNic, unclaimedPosition } from './multi-nic.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

export interface MultusDefaults {
  /** The pod's namespace: where a bare name in `k8s.v1.cni.cncf.io/networks` lives. */
  readonly podNamespace: string
  /**
   * The project's namespace: where a bare `v1.multus-cni.io/default-network` or cluster network
   * lives (Multus keeps default networks in its own namespace; Spiderpool uses its own).
   */
  readonly systemNamespace: string
  /** Multus' clusterNetwork (`ns/name` or a bare name), for a first NIC the pod does not name. */
  readonly clusterNetwork?: string
}

// Multus' rule for each part of `ns/name@if` (a DNS-1123 subdomain).
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

interface NetworkRef {
  readonly namespace: string
  readonly name: string
  readonly interface: string
}

const parseObjectName = (key: string, text: string): NetworkRef => {
  const slash = text.split('/')
  if (slash.length > 2) throw invalidAnnotation(key, `invalid network object "${text}" (failed at '/')`)
  const namespace = slash.length === 2 ? (slash[0] ?? '').trim() : ''
  const at = (slash[slash.length - 1] ?? '').split('@')
  if (at.length > 2) throw invalidAnnotation(key, `invalid network object "${text}" (failed at '@')`)
  const name = (at[0] ?? '').trim()
  const iface = (at[1] ?? '').trim()
  if (name === '') throw invalidAnnotation(key, `invalid network object "${text}": empty name`)
  for (const part of [namespace, name, iface]) {
    if (part !== '' && !DNS1123.test(part)) throw invalidAnnotation(key, `failed to parse network object: ${part}`)
  }
  return { namespace, name, interface: iface }
}

const NetworkElementsSchema = v.array(
  jsonObject({
    name: v.pipe(v.string('must be a string'), v.minLength(1, 'must not be empty')),
    namespace: v.nullish(v.string('must be a string'), ''),
    interface: v.nullish(v.string('must be a string'), ''),
  }),
  'must be a JSON list',
)

const parseNetworks = (raw: string): NetworkRef[] => {
  const key = AnnotationKey.multusNetworks
  // Multus' own test for the JSON form.
  if (!/[[{"]/.test(raw)) return raw.split(',').map((item) => parseObjectName(key, item.trim()))
  const elements = parseJsonAnnotation(key, raw, NetworkElementsSchema)
  // The names of objects: the same rule as the text form, so "/" cannot make "ns//" a network.
  for (const part of elements.flatMap((e) => [e.namespace, e.name])) {
    if (part !== '' && !DNS1123.test(part)) throw invalidAnnotation(key, `failed to parse network object: ${part}`)
  }
  return elements
}

/**
 * The NetworkAttachmentDefinition (`ns/name`) that configures `nic`, read the way Spiderpool
 * matches a pool's `multusName`: the first NIC (`eth0`) from `v1.multus-cni.io/default-network`
 * or else Multus' cluster network; any other NIC from `k8s.v1.cni.cncf.io/networks`, where an
 * element without `@if` is `net<position+1>`, and an unclaimed unnamed `ippools` entry i is the
 * i-th element (Spiderpool matches its index name "i" the same way). Undefined when nothing names the NIC.
 */
export const multusNetworkOf = (podAnnotations: Annotations, nic: string, defaults: MultusDefaults): string | undefined => {
  if (nic === 'eth0') {
    const key = AnnotationKey.multusDefaultNetwork
    const raw = podAnnotations[key] || defaults.clusterNetwork
    if (raw === undefined || raw === '') return undefined
    const ref = parseObjectName(key, raw.trim())
    return `${ref.namespace || defaults.systemNamespace}/${ref.name}`
  }
  const raw = podAnnotations[AnnotationKey.multusNetworks]
  if (raw === undefined || raw.trim() === '') return undefined
  const refs = parseNetworks(raw)
  const position = isUnclaimedNic(nic) ? unclaimedPosition(nic) - 1 : refs.findIndex((ref, i) => (ref.interface || `net${i + 1}`) === nic)
  const ref = refs[position]
  return ref === undefined ? undefined : `${ref.namespace || defaults.podNamespace}/${ref.name}`
}
