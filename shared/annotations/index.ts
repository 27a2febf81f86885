export { AnnotationKey, type Annotations } from './keys.ts'
export { invalidAnnotation } from './parse-json.ts'
export { isUnclaimedNic, positionalNicName, unclaimedNic, unclaimedPosition, type MultiNic } from './multi-nic.ts'
export { IPPoolAnnotationSchema, parseIPPoolAnnotation, type IPPoolAnnotation } from './ippool.ts'
export { hasUnnamedIPPools, IPPoolsAnnotationSchema, parseIPPoolsAnnotation, type IPPoolsAnnotation, type NicPools } from './ippools.ts'
export {
  SubnetAnnotationSchema,
  SubnetsAnnotationSchema,
  parseSubnetAnnotation,
  parseSubnetsAnnotation,
  parseTemplateSubnets,
  type NicSubnets,
} from './subnet.ts'
export { parseIPPoolIPNumber, type IPNumber } from './ip-number.ts'
export { parseIPPoolReclaim } from './reclaim.ts'
export { RoutesAnnotationSchema, parseRoutesAnnotation, type AnnotationRoute } from './routes.ts'
export { parseNamespaceDefaultPools, type NamespacePools } from './namespace-pools.ts'
export { multusNetworkOf, type MultusDefaults } from './multus-network.ts'
