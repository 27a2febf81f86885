import * as v from 'valibot'
import { IpamError } from '../errors.ts'

/** The one shape of every annotation refusal: the key first, so `kubectl describe` points at it. */
export const invalidAnnotation = (key: string, what: string): IpamError => new IpamError('invalid-annotation', `invalid annotation ${key}: ${what}`)

/**
 * Parse a JSON annotation value against a schema, the way Spiderpool's Go decoder reads it:
 * unknown fields are ignored and field names match case-insensitively (Go's encoding/json does
 * both, so `"cleanGateway"` works there and must work here).
 */
export const parseJsonAnnotation = <S extends v.GenericSchema>(key: string, raw: string, schema: S): v.InferOutput<S> => {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (e) {
    throw invalidAnnotation(key, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  let folded: unknown
  try {
    folded = lowerCaseKeys(json, 0)
  } catch (e) {
    if (e instanceof TooDeep) throw invalidAnnotation(key, `nested deeper than ${MAX_DEPTH} levels`)
    throw e
  }
  const result = v.safeParse(schema, folded)
  if (!result.success) throw invalidAnnotation(key, describeIssue(result.issues[0]))
  return result.output
}

/**
 * No annotation is nested more than three levels (a list of objects of lists); a value nested
 * thousands deep (a few KB of `[`) would overflow the stack of this walk and of the schema's.
 */
const MAX_DEPTH = 16
class TooDeep extends Error {}

const lowerCaseKeys = (json: unknown, depth: number): unknown => {
  if (depth > MAX_DEPTH) throw new TooDeep()
  if (Array.isArray(json)) return json.map((item) => lowerCaseKeys(item, depth + 1))
  if (json === null || typeof json !== 'object') return json
  const out: Record<string, unknown> = {}
  for (const [k, value] of Object.entries(json)) {
    const lower = k.toLowerCase()
    // Go prefers the exact spelling when two keys fold to the same name.
    if (Object.hasOwn(out, lower) && k !== lower) continue
    // Defined, not assigned: `out["__proto__"] = v` would make v the prototype, and the schema
    // would read its keys as if the user had written them (Go ignores a "__proto__" key).
    Object.defineProperty(out, lower, { value: lowerCaseKeys(value, depth + 1), enumerable: true, writable: true, configurable: true })
  }
  return out
}

const describeIssue = (issue: v.BaseIssue<unknown> | undefined): string => {
  if (issue === undefined) return 'malformed value'
  const path = (issue.path ?? [])
    .map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`))
    .join('')
    .replace(/^\./, '')
  return path === '' ? issue.message : `${path}: ${issue.message}`
}
