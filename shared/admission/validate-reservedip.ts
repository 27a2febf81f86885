import { KIND, type SpiderReservedIP } from '../api/index.ts'
import { intersectRanges, parseIpRange, parseIpRanges, tryParseIp, type IpFamily, type IpRange } from '../ip/index.ts'
import { forbidden, invalid, required, type FieldError } from './field-error.ts'
import { updateShortcut } from './unchangeable.ts'
import { allow, denyInvalid, type Verdict } from './verdict.ts'

export interface ReservedIPAdmission {
  operation: 'CREATE' | 'UPDATE'
  reservedIP: SpiderReservedIP
  oldReservedIP?: SpiderReservedIP
  /** Every SpiderReservedIP of the cluster; the one under review, if listed, is skipped by name. */
  reservedIPs: readonly SpiderReservedIP[]
}

/** `ipVersion`, else the family of the first entry, as the mutating webhook derives it. */
export const reservedFamily = (ips: readonly string[] | undefined, ipVersion: IpFamily | undefined): IpFamily | undefined => {
  if (ipVersion !== undefined) return ipVersion
  const first = ips?.[0]?.split('-')[0]
  return first === undefined ? undefined : tryParseIp(first)?.family
}

const rangesOf = (r: SpiderReservedIP): IpRange[] => {
  try {
    return parseIpRanges(r.spec.ips ?? [], r.spec.ipVersion)
  } catch {
    return []
  }
}

/**
 * Whether a SpiderReservedIP may be created or updated: Spiderpool's rules and texts
 * (pkg/reservedipmanager reservedip_validate.go): a family, at least one well-formed range of it,
 * and no address another SpiderReservedIP of the family reserves already.
 */
export function validateReservedIP(review: ReservedIPAdmission): Verdict {
  const { reservedIP, oldReservedIP } = review
  const { spec } = reservedIP
  const refuse = (...errors: Array<FieldError | undefined>) => denyInvalid(KIND.reservedIP, reservedIP.metadata.name, errors)
  const early = review.operation === 'UPDATE' && oldReservedIP ? updateShortcut(oldReservedIP.spec, spec) : undefined
  if (early) return early === 'same' ? allow() : refuse(early)
  const family = reservedFamily(spec.ips, spec.ipVersion)
  if (family === undefined) {
    return refuse(invalid('spec.ipVersion', null, "is not generated correctly, 'spec.ips' is empty or 'spec.ips[0]' may be invalid"))
  }
  const entries = spec.ips ?? []
  if (entries.length === 0) return refuse(required('spec.ips', 'requires at least one item'))
  const ranges: IpRange[] = []
  for (const [i, text] of entries.entries()) {
    try {
      ranges.push(parseIpRange(text, family))
    } catch {
      return refuse(invalid(`spec.ips[${i}]`, text, `invalid IP range format in IPv${family} '${text}'`))
    }
  }
  for (const other of review.reservedIPs) {
    if (other.metadata.name === reservedIP.metadata.name) continue
    if (intersectRanges(ranges, rangesOf(other)).length > 0) {
      return refuse(forbidden('spec.ips', `overlaps with ReservedIP ${other.metadata.name}`))
    }
  }
  return allow()
}
