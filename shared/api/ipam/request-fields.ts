import * as v from 'valibot'

export const NonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'))

/**
 * An optional field that may also come as `null`: Spiderpool's Go client sends a nil slice as
 * `null` (`"defaultIPv4IPPool": null`). Both read as absent.
 */
export const absentOrNull = <TSchema extends v.GenericSchema>(schema: TSchema) =>
  v.pipe(
    v.nullish(schema),
    v.transform((value) => value ?? undefined),
  )

/** The fields every call of Spiderpool's IPAM plugin carries: which container, NIC and pod. */
export const PodRequestFields = {
  containerID: NonEmpty,
  ifName: NonEmpty,
  netNamespace: absentOrNull(v.string()),
  podNamespace: NonEmpty,
  podName: NonEmpty,
  podUID: NonEmpty,
}
