import type { IPAllocationDetail } from '../api/index.ts'
import type { IpamResponse } from '../api/ipam/ipam-answer.ts'

export type { IpamResponse }

/**
 * The node-local IPAM API's answer (Spiderpool agent compatible): every NIC of the pod.
 * Derived from the SpiderEndpoint's entries alone, so every ADD of the same pod answers the same.
 * A NIC's gateway becomes its default route unless the pod asked for a clean gateway.
 */
export const ipamResponse = (details: readonly IPAllocationDetail[]): IpamResponse => {
  const response: IpamResponse = { ips: [], routes: [] }
  for (const d of details) {
    const families = [
      { version: 4 as const, address: d.ipv4, pool: d.ipv4Pool, gateway: d.ipv4Gateway, any: '0.0.0.0/0' },
      { version: 6 as const, address: d.ipv6, pool: d.ipv6Pool, gateway: d.ipv6Gateway, any: '::/0' },
    ]
    for (const f of families) {
      if (!f.address) continue
      response.ips.push({
        version: f.version,
        address: f.address,
        nic: d.interface,
        ipPool: f.pool ?? '',
        ...(f.gateway ? { gateway: f.gateway } : {}),
        ...(d.vlan ? { vlan: d.vlan } : {}),
      })
      if (f.gateway && !d.cleanGateway) response.routes.push({ ifName: d.interface, dst: f.any, gw: f.gateway })
    }
    for (const r of d.routes ?? []) response.routes.push({ ifName: d.interface, dst: r.dst, gw: r.gw })
  }
  return response
}
