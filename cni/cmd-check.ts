import * as v from 'valibot'
import { parseCidr } from './address.ts'
import { CniCode, CniError } from './cni-error.ts'
import { issueText } from '../shared/api/common/issue-text.ts'
import { requirePodRef } from './k8s-args.ts'
import { PrevResultSchema, type PrevResult } from './prev-result-schema.ts'
import type { Verb } from './verb.ts'

const readPrevResult = (raw: unknown): PrevResult => {
  if (raw === undefined || raw === null) {
    throw new CniError(CniCode.invalidNetworkConfig, 'invalid network config: prevResult: required for CHECK')
  }
  const parsed = v.safeParse(PrevResultSchema, raw)
  if (!parsed.success) {
    throw new CniError(CniCode.invalidNetworkConfig, `invalid network config: ${issueText(parsed.issues[0], 'prevResult')}`)
  }
  return parsed.output
}

/** Addresses of `ifName` in prevResult: those pointing at another interface belong to someone else. */
const prevAddresses = (prev: PrevResult, ifName: string): string[] =>
  (prev.ips ?? [])
    .filter((ip) => {
      if (ip.interface === undefined || ip.interface === null) return true
      const name = prev.interfaces?.[ip.interface]?.name
      return name === undefined || name === ifName
    })
    .map((ip) => canonical(ip.address))

const canonical = (address: string): string => parseCidr(address)?.text ?? address

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x))

/**
 * Confirms that the allocation prevResult reports still exists, through the service's read-only
 * lookup: POST would be idempotent for the same pod, but CHECK must never allocate.
 */
export const cmdCheck: Verb = async ({ env, args, raw, client, log }) => {
  const pod = requirePodRef(args)
  const expected = prevAddresses(readPrevResult(raw['prevResult']), env.ifName).sort()
  const answer = await client.lookup({ ...pod, ifName: env.ifName })
  const actual = (answer?.ips ?? [])
    .filter((ip) => ip.nic === env.ifName)
    .map((ip) => canonical(ip.address))
    .sort()
  if (actual.length === 0) {
    throw new CniError(
      CniCode.allocationNotFound,
      `allocation not found: pod ${pod.podNamespace}/${pod.podName} has no address on ${env.ifName}`,
      `expected [${expected.join(', ')}] (pod UID ${pod.podUID})`,
    )
  }
  if (!sameSet(expected, actual)) {
    throw new CniError(
      CniCode.allocationMismatch,
      `allocation differs from prevResult for pod ${pod.podNamespace}/${pod.podName} on ${env.ifName}`,
      `prevResult [${expected.join(', ')}], IPAM service [${actual.join(', ')}]`,
    )
  }
  log.debug('allocation checked', { ips: actual })
  return undefined
}
