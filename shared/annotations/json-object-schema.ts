import * as v from 'valibot'

/**
 * A JSON object, never an array: valibot's `object` accepts arrays (they are objects to
 * JavaScript), while Go's decoder refuses to read one into a struct. Unknown keys are dropped.
 */
export const jsonObject = <E extends v.ObjectEntries>(entries: E) =>
  v.pipe(
    v.custom<unknown>((x) => !Array.isArray(x), 'must be a JSON object'),
    // valibot reports a missing key against the object schema, with the key in the issue path.
    v.object(entries, (issue) => (issue.input === undefined && issue.path !== undefined ? 'is required' : 'must be a JSON object')),
  )
