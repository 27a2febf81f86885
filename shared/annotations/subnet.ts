import * as v from 'valibot'
import { jsonObject } from './json-object-schema.ts'
import { AnnotationKey } from './keys.ts'
import { resolveMultiNic, type MultiNic } from './multi-nic.ts'
import { NameListSchema } from './names-schema.ts'
import { invalidAnnotation, parseJsonAnnotation } from './parse-json.ts'

const SubnetItemSchema = jsonObject({
  interface: v.nullish(v.string('must be a string'), ''),
  ipv4: NameListSchema,
  ipv6: NameListSchema,
})

/** `ipam.spidernet.io/subnet`: the SpiderSubnets whose auto pools serve the NIC being set up. */
export const SubnetAnnotationSchema = SubnetItemSchema

/** `ipam.spidernet.io/subnets`: the same, per NIC. */
export const SubnetsAnnotationSchema = v.array(SubnetItemSchema, 'must be a JSON list')

/** One NIC's subnets. Spiderpool uses only the first name of each family; so do we. */
export interface NicSubnets {
  readonly nic: string
  readonly ipv4?: string
  readonly ipv6?: string
}

const firstOfEachFamily = (key: string, item: v.InferOutput<typeof SubnetItemSchema>, nic: string): NicSubnets => {
  const [ipv4] = item.ipv4
  const [ipv6] = item.ipv6
  if (ipv4 === undefined && ipv6 === undefined) {
    throw invalidAnnotation(key, `it's invalid to set dual empty subnet for interface ${nic}`)
  }
  return { nic, ipv4, ipv6 }
}

/**
 * The single-NIC form applies to whichever NIC is being set up (Spiderpool ignores its
 * `interface` field at allocation time), as `ippool` does.
 */
export const parseSubnetAnnotation = (raw: string, currentNic: string): NicSubnets => {
  const key = AnnotationKey.subnet
  return firstOfEachFamily(key, parseJsonAnnotation(key, raw, SubnetAnnotationSchema), currentNic)
}

/**
 * The multi-NIC form follows the `ippools` rules (all named or all positional, no duplicate
 * interface, current NIC listed) and, as Spiderpool checks, no subnet serves two NICs.
 */
export const parseSubnetsAnnotation = (raw: string, currentNic: string): MultiNic<NicSubnets> => {
  const key = AnnotationKey.subnets
  const items = parseJsonAnnotation(key, raw, SubnetsAnnotationSchema)
  const parsed = resolveMultiNic(key, items, currentNic, (item, nic) => firstOfEachFamily(key, item, nic))
  for (const family of ['ipv4', 'ipv6'] as const) {
    const names = parsed.entries.flatMap((e) => e[family] ?? [])
    const dup = names.find((name, i) => names.indexOf(name) !== i)
    if (dup !== undefined) {
      throw invalidAnnotation(key, `it's invalid to use the same subnet ${dup} for multiple interfaces`)
    }
  }
  return parsed
}

/**
 * Every NIC's subnets an application's pod template names, as Spiderpool's controller reads them
 * to make auto pools: the `subnets` form (which wins) entry by entry, or the `subnet` form for the
 * NIC its `interface` names, `eth0` when it names none. Undefined when the template names none.
 * @throws IpamError('invalid-annotation') as the parsers above
 */
export const parseTemplateSubnets = (annotations: Readonly<Record<string, string>>): NicSubnets[] | undefined => {
  const many = annotations[AnnotationKey.subnets]
  if (many !== undefined) {
    const items = parseJsonAnnotation(AnnotationKey.subnets, many, SubnetsAnnotationSchema)
    // Every entry is listed, so the first one stands in for "the NIC being set up".
    const first = items[0]?.interface || 'eth0'
    return [...parseSubnetsAnnotation(many, first).entries]
  }
  const one = annotations[AnnotationKey.subnet]
  if (one === undefined) return undefined
  const item = parseJsonAnnotation(AnnotationKey.subnet, one, SubnetAnnotationSchema)
  return [parseSubnetAnnotation(one, item.interface || 'eth0')]
}
