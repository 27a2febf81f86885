import * as v from 'valibot'
import { addressEntries } from '../common/address-entries.ts'
import { VlanSchema } from '../common/vlan.ts'

/** Spiderpool's CRD defaults a subnet's `vlan` to 0 (it does not for pools). */
export const SubnetSpecSchema = v.object({
  ...addressEntries,
  vlan: v.optional(VlanSchema, 0),
})
export type SubnetSpec = v.InferOutput<typeof SubnetSpecSchema>
