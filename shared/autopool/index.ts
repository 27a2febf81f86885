/**
 * Auto pools (SpiderSubnet): which application a pod template belongs to, the pools it asks for
 * (name, size, labels, podAffinity), and the steps that make, grow and shrink them out of their
 * subnet's free addresses. Pure: functions/reconcile-autopool reads, asks, and writes.
 */
export {
  appKey,
  applicationLabelGV,
  applicationName,
  isNativeApp,
  isNativeKind,
  NATIVE_KINDS,
  parseAppKey,
  parseApplicationName,
  type AutoPoolApp,
  type NativeKind,
} from './application.ts'
export { autoPoolName } from './pool-name.ts'
export { autoPoolIntent, desiredPods, type AutoPoolIntent, type AutoPoolWant, type IntentOptions, type PodCountFields } from './intent.ts'
export { autoPoolLabels, autoPoolPodAffinity, newAutoPool, withAutoPoolMetadata } from './desired-pool.ts'
export { findAutoPool, isAutoPoolOf, poolsToReclaim } from './find-pools.ts'
export { planAutoPool, type AutoPoolStep, type PlanInput, type RefusalReason } from './plan.ts'
export { highestAddresses, lowestAddresses } from './pick-addresses.ts'
