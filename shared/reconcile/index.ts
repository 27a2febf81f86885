/**
 * Pure reconcile decisions for pools and subnets (finalizers, status) and for leaked addresses:
 * given what was read, what should be written, or nothing. No I/O; functions/reconcile-* read,
 * call these, and write.
 */
export { familyOf, ipsOf, totalIPCountOf, type AddressSpec, type SpecOwner } from '../api/address-space.ts'
export { applicationOf } from './application.ts'
export type { Decision, ReconcileChange, ReconcileOutcome } from './decision.ts'
export { nextFinalizers, type FinalizerUpdate } from './finalizer.ts'
export { decidePool, nextPoolStatus, poolIsSettled } from './pool.ts'
export { leakedIPs, orphanedEndpoints, type Leak, type LeakScan } from './leaked-ips.ts'
export { controlledPoolsOf, currentEntries, decideSubnet, entryRanges, nextSubnetStatus, subnetStatusWith } from './subnet.ts'
