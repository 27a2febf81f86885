import * as v from 'valibot'

/**
 * A list of pool or subnet names (wildcards allowed). `null` or absent reads as empty, as Go's
 * decoder does; an empty name can never match an object, so it is refused here.
 */
export const NameListSchema = v.nullish(
  v.array(v.pipe(v.string('must be a string'), v.minLength(1, 'names must not be empty')), 'must be a list of names'),
  [],
)
