import * as v from 'valibot'

/** A number, not a string: Spiderpool's CRD declares `ipVersion` as an int64 enum of 4 and 6. */
export const IPVersionSchema = v.picklist([4, 6])
export type IPVersion = v.InferOutput<typeof IPVersionSchema>
