import * as v from 'valibot'

/**
 * The most names one list may hold. Each plain name is read from the API server on its own (from
 * the watch cache, then from etcd when missing), and every one that fits no rule is named in the
 * refusal: a list of 20,000 made one ADD send 40,000 reads and answer 600 KB. Spiderpool users
 * list a few pools per NIC; a wildcard covers many.
 */
export const MAX_NAMES = 64

/** A Kubernetes object name's limit: a longer name (or pattern) can name no pool. */
export const MAX_NAME_LENGTH = 253

/**
 * A list of pool or subnet names (wildcards allowed). `null` or absent reads as empty, as Go's
 * decoder does; an empty name can never match an object, so it is refused here.
 */
export const NameListSchema = v.nullish(
  v.pipe(
    v.array(
      v.pipe(
        v.string('must be a string'),
        v.minLength(1, 'names must not be empty'),
        v.maxLength(MAX_NAME_LENGTH, `names have at most ${MAX_NAME_LENGTH} characters`),
      ),
      'must be a list of names',
    ),
    v.maxLength(MAX_NAMES, `lists at most ${MAX_NAMES} names`),
  ),
  [],
)
