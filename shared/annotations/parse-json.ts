import * as v from 'valibot'
import { IpamError } from '../errors.ts'

/** The one shape of every annotation refusal: the key first, so `kubectl describe` points at it. */
export const invalidAnnotation = (key: string, what: string): IpamError =>
  new IpamError('invalid-annotation', `invalid annotation ${key}: ${what}`)

/**
 * Parse a JSON annotation value against a schema, the way Spiderpool's Go decoder reads it:
 * unknown fields are ignored and field names match case-insensitively (Go's encoding/json does
 * both, so `"cleanGateway"` works there and must work here).
 */
export const parseJsonAnnotation = <S extends v.GenericSchema>(
  key: string,
  raw: string,
  schema: S,
): v.InferOutput<S> => {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (e) {
    throw invalidAnnotation(key, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  const result = v.safeParse(schema, lowerCaseKeys(json))
  if (!result.success) throw invalidAnnotation(key, describeIssue(result.issues[0]))
  return result.output
}

const lowerCaseKeys = (json: unknown): unknown => {
  if (Array.isArray(json)) return json.map(lowerCaseKeys)
  if (json === null || typeof json !== 'object') return json
  const out: Record<string, unknown> = {}
  for (const [k, value] of Object.entries(json)) {
    const lower = k.toLowerCase()
    // Go prefers the exact spelling when two keys fold to the same name.
    if (lower in out && k !== lower) continue
    out[lower] = lowerCaseKeys(value)
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
