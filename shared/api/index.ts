/**
 * spiderpool.spidernet.io/v2beta1: the objects Spinneret shares with Spiderpool, as valibot schemas
 * and the types inferred from them. Parse everything read from the API server with parseSpider*.
 */
export * from './constants.ts'
export { IPVersionSchema, type IPVersion } from './common/ip-version.ts'
export { RouteSchema, type Route } from './common/route.ts'
export {
  LabelSelectorSchema,
  LabelSelectorOperatorSchema,
  type LabelSelector,
  type LabelSelectorOperator,
} from './common/label-selector.ts'
export { ObjectMetaSchema, type ObjectMeta, type OwnerReference } from './common/object-meta.ts'
export { IPCountSchema, IP_COUNT_CAP, INT64_MAX, capIPCount, toKubeJson, type IPCount } from './common/ip-count.ts'
export { IPPoolSpecSchema, type IPPoolSpec } from './ippool/ippool-spec.ts'
export { IPPoolStatusSchema, type IPPoolStatus } from './ippool/ippool-status.ts'
export { SpiderIPPoolSchema, parseSpiderIPPool, type SpiderIPPool } from './ippool/spider-ippool.ts'
export { PoolIPAllocationSchema, type PoolIPAllocation } from './ippool/pool-ip-allocation.ts'
export {
  AllocatedIPsSchema,
  parseAllocatedIPs,
  serializeAllocatedIPs,
  type AllocatedIPs,
} from './ippool/allocated-ips.ts'
export { SubnetSpecSchema, type SubnetSpec } from './subnet/subnet-spec.ts'
export { SubnetStatusSchema, type SubnetStatus } from './subnet/subnet-status.ts'
export { SpiderSubnetSchema, parseSpiderSubnet, type SpiderSubnet } from './subnet/spider-subnet.ts'
export { PoolIPPreAllocationSchema, type PoolIPPreAllocation } from './subnet/pool-ip-pre-allocation.ts'
export {
  ControlledIPPoolsSchema,
  parseControlledIPPools,
  serializeControlledIPPools,
  type ControlledIPPools,
} from './subnet/controlled-ip-pools.ts'
export { ReservedIPSpecSchema, type ReservedIPSpec } from './reserved-ip/reserved-ip-spec.ts'
export {
  SpiderReservedIPSchema,
  parseSpiderReservedIP,
  type SpiderReservedIP,
} from './reserved-ip/spider-reserved-ip.ts'
export { IPAllocationDetailSchema, type IPAllocationDetail } from './endpoint/ip-allocation-detail.ts'
export { EndpointStatusSchema, type EndpointStatus, type PodIPAllocation } from './endpoint/endpoint-status.ts'
export { SpiderEndpointSchema, parseSpiderEndpoint, type SpiderEndpoint } from './endpoint/spider-endpoint.ts'
export { buildCrds, type CustomResourceDefinition } from './crd/build-crds.ts'
