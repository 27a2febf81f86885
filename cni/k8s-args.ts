import { CniCode, CniError } from './cni-error.ts'

/** The pod identity the kubelet's runtime passes in CNI_ARGS. */
export interface PodRef {
  readonly podNamespace: string
  readonly podName: string
  readonly podUID: string
}

const KEYS = {
  podNamespace: 'K8S_POD_NAMESPACE',
  podName: 'K8S_POD_NAME',
  podUID: 'K8S_POD_UID',
} as const

/**
 * Parses `K=V;K=V`. Unknown keys are ignored (runtimes add their own, e.g. IgnoreUnknown,
 * K8S_POD_INFRA_CONTAINER_ID); a segment without `=` is an invalid environment, as in libcni.
 */
export const parseCniArgs = (raw: string): ReadonlyMap<string, string> => {
  const pairs = new Map<string, string>()
  for (const segment of raw.split(';')) {
    if (segment === '') continue
    const eq = segment.indexOf('=')
    if (eq <= 0) throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS: invalid pair "${segment}"`, raw)
    pairs.set(segment.slice(0, eq), segment.slice(eq + 1))
  }
  return pairs
}

/** The pod keys CNI_ARGS lacks, by their CNI_ARGS names. */
export const missingPodKeys = (args: ReadonlyMap<string, string>): string[] => Object.values(KEYS).filter((key) => !args.get(key))

/**
 * The pod the call is for. Every allocation is keyed by pod UID (a pod re-created under the same
 * name must not get its predecessor's answer), so all three keys are required.
 */
export const requirePodRef = (args: ReadonlyMap<string, string>): PodRef => {
  const missing = missingPodKeys(args)
  if (missing.length > 0) {
    throw new CniError(CniCode.invalidEnvironment, `CNI_ARGS lacks ${missing.join(', ')}`)
  }
  return {
    podNamespace: args.get(KEYS.podNamespace) ?? '',
    podName: args.get(KEYS.podName) ?? '',
    podUID: args.get(KEYS.podUID) ?? '',
  }
}
