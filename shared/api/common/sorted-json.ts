/**
 * JSON text of a record with its keys in ascending code-unit order, whatever the insertion order,
 * so that equal states give equal strings (a status write that changes nothing stays a no-op,
 * and resourceVersion conflicts are not provoked by key order alone).
 *
 * This is the order Go's encoding/json uses for maps (byte order; identical for the ASCII of IPs and
 * Kubernetes names), so Spinneret writes the same bytes Spiderpool writes for the same state.
 * Written by hand because JSON.stringify would put integer-like keys (a pool named "123") first.
 */
export const stringifySortedRecord = <T>(record: Readonly<Record<string, T>>, encode: (value: T) => unknown): string => {
  const members = Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${JSON.stringify(encode(record[key] as T))}`)
  return `{${members.join(',')}}`
}
