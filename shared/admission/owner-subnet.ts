import { KIND, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'

/** The pool's controller reference to a SpiderSubnet, if it has one. */
export const controllerSubnetRef = (pool: SpiderIPPool) =>
  (pool.metadata.ownerReferences ?? []).find((ref) => ref.controller === true && ref.kind === KIND.subnet)

/**
 * The SpiderSubnet a pool belongs to: the one its controller reference names, else the one whose
 * `spec.subnet` is the same text (Spiderpool matches pools to subnets by the CIDR text, which
 * admission keeps canonical). Undefined for a pool of no subnet.
 */
export const owningSubnet = (pool: SpiderIPPool, subnets: readonly SpiderSubnet[]): SpiderSubnet | undefined => {
  const ref = controllerSubnetRef(pool)
  if (ref) return subnets.find((s) => s.metadata.name === ref.name)
  return subnets.find((s) => s.spec.subnet === pool.spec.subnet)
}
