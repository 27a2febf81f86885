import type { IPAllocationDetail, Route, SpiderIPPool } from '../api/index.ts'
import { cidrContainsIp, parseCidr, tryParseIp } from '../ip/index.ts'

export interface AssignedIP {
  ip: string
  pool: SpiderIPPool
}

const prefixOf = (pool: SpiderIPPool): number => parseCidr(pool.spec.subnet).prefix

/**
 * Which NIC each annotation route goes to: the first NIC, in the order given, whose pool subnet
 * holds the route's gateway; each route once (Spiderpool's groupCustomRoutes), so that two NICs
 * in one subnet never both carry it (the second route would fail in the pod). A route whose
 * gateway no NIC's subnet holds is dropped, as Spiderpool drops it.
 */
export const annotationRoutesByNic = (nics: readonly { nic: string; pools: readonly SpiderIPPool[] }[], routes: readonly Route[]): Map<string, Route[]> => {
  const byNic = new Map<string, Route[]>(nics.map((n) => [n.nic, []]))
  for (const route of routes) {
    const gw = tryParseIp(route.gw)
    const owner = nics.find((n) => gw !== undefined && n.pools.some((p) => cidrContainsIp(parseCidr(p.spec.subnet), gw)))
    if (owner) byNic.get(owner.nic)?.push(route)
  }
  return byNic
}

// Of the NIC's annotation routes, those of this pool's family (its subnet holds their gateway).
const routesFor = (pool: SpiderIPPool, annotationRoutes: readonly Route[]): Route[] => {
  const subnet = parseCidr(pool.spec.subnet)
  const own = annotationRoutes.filter((r) => {
    const gw = tryParseIp(r.gw)
    return gw !== undefined && cidrContainsIp(subnet, gw)
  })
  return [...(pool.spec.routes ?? []), ...own]
}

/**
 * The SpiderEndpoint entry for one NIC: addresses in CIDR form (the pool's subnet prefix),
 * the pools they came from, gateways and routes. The CNI answer is derived from these entries,
 * so a retried ADD answers exactly what the first one did.
 */
export const nicDetail = (
  nic: string,
  assigned: { v4?: AssignedIP; v6?: AssignedIP },
  cleanGateway: boolean,
  annotationRoutes: readonly Route[],
): IPAllocationDetail => {
  const detail: IPAllocationDetail = { interface: nic, cleanGateway, vlan: 0 }
  const routes: Route[] = []
  const { v4, v6 } = assigned
  if (v4) {
    detail.ipv4 = `${v4.ip}/${prefixOf(v4.pool)}`
    detail.ipv4Pool = v4.pool.metadata.name
    if (v4.pool.spec.gateway) detail.ipv4Gateway = v4.pool.spec.gateway
    routes.push(...routesFor(v4.pool, annotationRoutes))
  }
  if (v6) {
    detail.ipv6 = `${v6.ip}/${prefixOf(v6.pool)}`
    detail.ipv6Pool = v6.pool.metadata.name
    if (v6.pool.spec.gateway) detail.ipv6Gateway = v6.pool.spec.gateway
    routes.push(...routesFor(v6.pool, annotationRoutes))
  }
  if (routes.length > 0) detail.routes = routes
  return detail
}
