/**
 * What the admission webhooks decide, pure: each function takes the object, the stored object
 * and the cluster's other objects it is compared with, and answers a Verdict (allowed, with a
 * JSON patch for the mutating ones, or denied with Spiderpool's words).
 */
export { validateIPPool, type IPPoolAdmission } from './validate-ippool.ts'
export { validateSubnet, type SubnetAdmission } from './validate-subnet.ts'
export { validateReservedIP, type ReservedIPAdmission } from './validate-reservedip.ts'
export { mutateIPPool, type IPPoolMutation } from './mutate-ippool.ts'
export { mutateSubnet } from './mutate-subnet.ts'
export { mutateReservedIP } from './mutate-reservedip.ts'
export { allow, denyForbidden, denyInvalid, type DeniedStatus, type Verdict } from './verdict.ts'
export { patchFields, type JsonPatch, type JsonPatchOp } from './json-patch.ts'
export { withCaBundle, type WebhookConfiguration } from './ca-bundle.ts'
export { POOL_ADDRESS_CAP, ETCD_REQUEST_LIMIT_BYTES } from './pool-size-cap.ts'
