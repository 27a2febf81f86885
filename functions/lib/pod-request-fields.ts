import * as v from 'valibot'

export const NonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'))

/** The fields every call of Spiderpool's IPAM plugin carries: which container, NIC and pod. */
export const PodRequestFields = {
  containerID: NonEmpty,
  ifName: NonEmpty,
  netNamespace: v.optional(v.string()),
  podNamespace: NonEmpty,
  podName: NonEmpty,
  podUID: NonEmpty,
}
