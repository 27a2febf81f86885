import * as v from 'valibot'

/** 802.1Q VLAN id as Spiderpool bounds it on pools and subnets (0 = untagged; 4095 is reserved). */
export const VlanSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4094))
export type Vlan = v.InferOutput<typeof VlanSchema>
