import { AnnotationKey, invalidAnnotation, parseIPPoolIPNumber, parseIPPoolReclaim, parseTemplateSubnets } from '../annotations/index.ts'
import type { IpFamily } from '../ip/index.ts'

/** One auto pool an application wants: for this NIC and family, carved out of this SpiderSubnet. */
export interface AutoPoolWant {
  readonly nic: string
  readonly family: IpFamily
  readonly subnet: string
}

/** What an application's pod template asks of its auto pools. */
export interface AutoPoolIntent {
  readonly wants: readonly AutoPoolWant[]
  /** Addresses in each pool. */
  readonly size: number
  /** The pool's `ipam.spidernet.io/ippool-ip-number` annotation: how the size was asked for. */
  readonly ipNumber: string
  /** Whether the pools go with the application (`ippool-reclaim`, default true). */
  readonly reclaim: boolean
}

export interface IntentOptions {
  /**
   * Pods the application runs at once (see desiredPods), or undefined for a third-party
   * controller, whose replicas Spinneret cannot read: it must ask for a fixed number.
   */
  readonly pods: number | undefined
  /** The spare addresses when the template sets no ippool-ip-number: Spiderpool's clusterSubnetDefaultFlexibleIPNumber. */
  readonly defaultFlexible: number
}

/**
 * The auto pools a pod template asks for, with their size: `ippool-ip-number` fixed (`"5"`) or
 * replicas plus spare (`"+1"`; absent means the cluster default spare). Undefined when the
 * template names no subnet.
 * @throws IpamError('invalid-annotation') for a malformed annotation, or a flexible number
 *   for a third-party controller
 */
export function autoPoolIntent(annotations: Readonly<Record<string, string>>, options: IntentOptions): AutoPoolIntent | undefined {
  const nics = parseTemplateSubnets(annotations)
  if (nics === undefined) return undefined
  const raw = annotations[AnnotationKey.ippoolIPNumber]
  const number = raw === undefined ? { kind: 'flexible' as const, extra: options.defaultFlexible } : parseIPPoolIPNumber(raw)
  if (number.kind === 'flexible' && options.pods === undefined) {
    throw invalidAnnotation(
      AnnotationKey.ippoolIPNumber,
      `${raw === undefined ? 'absent' : `"${raw}"`}: the pods of a third-party controller need a fixed IP number ("N"), Spinneret cannot read its replicas`,
    )
  }
  const wants: AutoPoolWant[] = nics.flatMap((n) => [
    ...(n.ipv4 === undefined ? [] : [{ nic: n.nic, family: 4 as const, subnet: n.ipv4 }]),
    ...(n.ipv6 === undefined ? [] : [{ nic: n.nic, family: 6 as const, subnet: n.ipv6 }]),
  ])
  return {
    wants,
    size: number.kind === 'fixed' ? number.count : (options.pods ?? 0) + number.extra,
    ipNumber: raw ?? `+${options.defaultFlexible}`,
    reclaim: parseIPPoolReclaim(annotations[AnnotationKey.ippoolReclaim]),
  }
}

/** The fields of a controller's spec and status that say how many pods it runs at once. */
export interface PodCountFields {
  readonly replicas?: number
  readonly parallelism?: number
  readonly completions?: number
  readonly desiredNumberScheduled?: number
}

/**
 * Pods a controller runs at once, as Spiderpool counts them: `replicas`; for a Job (and a
 * CronJob's job template) its completions, else its parallelism, 1 when neither is set or the
 * one that decides is 0 (CalculateJobPodNum); for a DaemonSet the nodes it is scheduled on.
 */
export function desiredPods(kind: string, fields: PodCountFields): number {
  switch (kind) {
    case 'Job':
    case 'CronJob': {
      const { parallelism, completions } = fields
      if (completions !== undefined) return completions === 0 ? 1 : completions
      if (parallelism !== undefined) return parallelism === 0 ? 1 : parallelism
      return 1
    }
    case 'DaemonSet':
      return fields.desiredNumberScheduled ?? 0
    default:
      return fields.replicas ?? 0
  }
}
