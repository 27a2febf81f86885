import * as v from 'valibot'
import { addressEntries } from '../common/address-entries.ts'

/**
 * As in Spiderpool v1.2 (no `vlan`: an older object's is dropped on parse, and the API server
 * prunes it, as Spiderpool's CRD does).
 */
export const SubnetSpecSchema = v.object(addressEntries)
export type SubnetSpec = v.InferOutput<typeof SubnetSpecSchema>
