import { IpamError } from '../errors.ts'

// NUL never appears in Kubernetes object text, so a string starting with it cannot be user data.
const MARKER = '\u0000int64:'
const MARKED = /"\\u0000int64:(-?\d+)"/g

/**
 * JSON text of a Kubernetes object that holds int64 fields as bigint (`totalIPCount`): each bigint
 * is written as an exact integer literal, e.g. `"totalIPCount":9223372036854775807`. Plain
 * JSON.stringify throws on bigint, and converting to number first would write 9223372036854775808.
 */
export const stringifyJsonWithInt64 = (value: object, space?: number): string => {
  let clash: string | undefined
  const text = JSON.stringify(
    value,
    (key: string, field: unknown) => {
      if (typeof field === 'bigint') return `${MARKER}${field}`
      if (key.startsWith(MARKER)) clash = key
      if (typeof field === 'string' && field.startsWith(MARKER)) clash = field
      return field
    },
    space,
  )
  if (clash !== undefined) {
    throw new IpamError('invalid-resource', `cannot serialise text starting with NUL: ${JSON.stringify(clash)}`)
  }
  return text.replace(MARKED, '$1')
}
