import * as v from 'valibot'
import { IpamError } from '../../errors.ts'
import { describeIssues, issueText } from './issue-text.ts'

export interface JsonFieldOwner {
  kind: string
  name: string
  /** e.g. `status.allocatedIPs` */
  field: string
}

/**
 * Decodes a status field that Spiderpool stores as a JSON string holding an object (a Go map). Absent, `""` and `null` all mean
 * "no entries" (Go's json.Unmarshal accepts `null` into a map; `""` is what a careless writer
 * leaves), so they give `empty()` instead of a refusal.
 */
export const parseJsonField = <const TSchema extends v.GenericSchema>(
  schema: TSchema,
  json: string | undefined,
  owner: JsonFieldOwner,
  empty: () => v.InferOutput<TSchema>,
): v.InferOutput<TSchema> => {
  const where = `${owner.kind} ${owner.name}: ${owner.field}`
  if (json === undefined || json.trim() === '') return empty()
  let decoded: unknown
  try {
    decoded = JSON.parse(json)
  } catch (e) {
    throw new IpamError('invalid-resource', `${where}: not valid JSON: ${(e as Error).message}`)
  }
  if (decoded === null) return empty()
  // valibot's record() takes an array for an object keyed by index; Go refuses it, so do we.
  if (typeof decoded !== 'object' || Array.isArray(decoded)) {
    throw new IpamError('invalid-resource', `${where}: (root): expected a JSON object`)
  }
  const result = v.safeParse(schema, decoded)
  if (result.success) return result.output
  const [first] = result.issues
  throw new IpamError('invalid-resource', `${where}: ${issueText(first)}`, describeIssues(result.issues))
}
