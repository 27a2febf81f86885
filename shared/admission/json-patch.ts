/** RFC 6902 operations, the form a mutating webhook answers with (`patchType: JSONPatch`). */
export type JsonPatchOp = { op: 'add'; path: string; value: unknown } | { op: 'remove'; path: string }
export type JsonPatch = JsonPatchOp[]

/** RFC 6901: `~` and `/` in a segment are escaped, so `ipam.spidernet.io/ippool-cidr` stays one key. */
export const pointer = (segments: readonly string[]): string => segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Structural equality of JSON values (key order aside). */
export const deepEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return false
}

/**
 * The operations that set each field at `path` to its wanted value (undefined: absent) in `object`
 * as the API server sent it. Fields already as wanted give no operation; a missing parent (a
 * SpiderReservedIP without `spec`) is added with the field inside it, since `add` needs its parent.
 *
 * @example patchFields(raw, [[['spec', 'ipVersion'], 4], [['metadata', 'finalizers'], ['spiderpool.spidernet.io']]])
 */
export function patchFields(object: unknown, wanted: ReadonlyArray<readonly [readonly string[], unknown]>): JsonPatch {
  // Applied to a copy as we go, so a parent added for one field is there for the next.
  const doc: Json = isObject(object) ? structuredClone(object) : {}
  const patch: JsonPatch = []
  for (const [path, value] of wanted) {
    let parent: Json = doc
    let depth = 0
    while (depth < path.length - 1 && isObject(parent[path[depth] as string])) parent = parent[path[depth++] as string] as Json
    if (depth < path.length - 1) {
      if (value === undefined) continue
      const nested = path.slice(depth + 1).reduceRight<unknown>((inner, key) => ({ [key]: inner }), value)
      parent[path[depth] as string] = nested
      patch.push({ op: 'add', path: pointer(path.slice(0, depth + 1)), value: structuredClone(nested) })
      continue
    }
    const key = path[depth] as string
    if (deepEqual(parent[key], value)) continue
    if (value === undefined) {
      delete parent[key]
      patch.push({ op: 'remove', path: pointer(path) })
    } else {
      parent[key] = structuredClone(value)
      patch.push({ op: 'add', path: pointer(path), value })
    }
  }
  return patch
}
