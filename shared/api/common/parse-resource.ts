import * as v from 'valibot'
import { IpamError } from '../../errors.ts'
import { describeIssues, issueText } from './issue-text.ts'

const nameOf = (input: unknown): string => {
  const metadata = (input as { metadata?: { name?: unknown } } | null)?.metadata
  return typeof metadata?.name === 'string' ? metadata.name : '(unnamed)'
}

/**
 * Parses an object read from the API server (or a user's YAML) at the edge.
 * Refuses with IpamError('invalid-resource', "<kind> <name>: <path>: <issue>") naming the first
 * issue; every issue is listed, one a line, in `details`.
 */
export const parseResource = <const TSchema extends v.GenericSchema>(schema: TSchema, kind: string, input: unknown): v.InferOutput<TSchema> => {
  const result = v.safeParse(schema, input)
  if (result.success) return result.output
  const [first] = result.issues
  throw new IpamError('invalid-resource', `${kind} ${nameOf(input)}: ${issueText(first)}`, describeIssues(result.issues))
}
