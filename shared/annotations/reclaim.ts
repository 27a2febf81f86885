import { AnnotationKey } from './keys.ts'
import { invalidAnnotation } from './parse-json.ts'

// Spiderpool reads this with Go's strconv.ParseBool; a user's "True" or "1" must keep working.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True'])
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False'])

/**
 * `ipam.spidernet.io/ippool-reclaim`: whether an auto pool dies with its application.
 * Absent means true.
 */
export const parseIPPoolReclaim = (raw: string | undefined): boolean => {
  if (raw === undefined) return true
  if (TRUE.has(raw)) return true
  if (FALSE.has(raw)) return false
  throw invalidAnnotation(AnnotationKey.ippoolReclaim, `"${raw}" is not a boolean (true or false)`)
}
