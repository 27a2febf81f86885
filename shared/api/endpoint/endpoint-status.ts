import * as v from 'valibot'
import { IPAllocationDetailSchema } from './ip-allocation-detail.ts'

const PodIPAllocationSchema = v.object({
  /** UID of the pod that holds the IPs; a new pod of the same name has another. */
  uid: v.string(),
  node: v.string(),
  ips: v.array(IPAllocationDetailSchema),
})
export type PodIPAllocation = v.InferOutput<typeof PodIPAllocationSchema>

export const EndpointStatusSchema = v.object({
  current: PodIPAllocationSchema,
  /** Kind of the pod's top controller (Deployment, StatefulSet, ... or Pod for a bare pod). */
  ownerControllerType: v.string(),
  ownerControllerName: v.string(),
})
export type EndpointStatus = v.InferOutput<typeof EndpointStatusSchema>
