import type { Context } from 'hono'
import * as v from 'valibot'
import { issueText } from '../../shared/api/common/issue-text.ts'
import { IpamError } from '../../shared/errors.ts'

/** Parses external input at the edge; refuses with 400 naming the first bad field. */
export function parseInput<TSchema extends v.GenericSchema>(schema: TSchema, raw: unknown, what: string): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, raw)
  if (!result.success) {
    throw new IpamError('invalid-request', `invalid ${what}: ${issueText(result.issues[0])}`)
  }
  return result.output
}

export async function parseBody<TSchema extends v.GenericSchema>(c: Context, schema: TSchema): Promise<v.InferOutput<TSchema>> {
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    throw new IpamError('invalid-request', 'request body is not valid JSON')
  }
  return parseInput(schema, raw, 'request body')
}
