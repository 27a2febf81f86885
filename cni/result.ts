import { parseCidr, parseIp } from './address.ts'
import { CniCode, CniError } from './cni-error.ts'
import type { IpamAnswer } from '../shared/api/ipam/ipam-answer.ts'
import { ipsCarryVersion, type CniVersion } from './versions.ts'

/** An IPAM plugin's result: no `interfaces`, no `ips[].interface` (the main plugin adds those). */
export interface CniResult {
  readonly cniVersion: CniVersion
  readonly ips: readonly CniIP[]
  readonly routes?: readonly CniRoute[]
  readonly dns: CniDns
}

export interface CniIP {
  readonly version?: '4' | '6'
  readonly address: string
  readonly gateway?: string
}

export interface CniRoute {
  readonly dst: string
  readonly gw?: string
}

export interface CniDns {
  readonly nameservers?: readonly string[]
  readonly domain?: string
  readonly search?: readonly string[]
  readonly options?: readonly string[]
}

const badAnswer = (what: string): CniError => new CniError(CniCode.ipamRefused, 'IPAM service answered an unusable allocation', what)

const toIP = (version: CniVersion, ip: IpamAnswer['ips'][number]): CniIP => {
  const address = parseCidr(ip.address)
  if (!address || address.family !== ip.version) {
    throw badAnswer(`address "${ip.address}" is not an IPv${ip.version} address/prefix`)
  }
  const gateway = ip.gateway ? parseIp(ip.gateway) : undefined
  if (ip.gateway && gateway?.family !== ip.version) {
    throw badAnswer(`gateway "${ip.gateway}" of ${ip.address} is not an IPv${ip.version} address`)
  }
  return {
    ...(ipsCarryVersion(version) ? { version: ip.version === 4 ? '4' : '6' } : {}),
    address: ip.address,
    ...(ip.gateway ? { gateway: ip.gateway } : {}),
  }
}

const toRoute = (route: NonNullable<IpamAnswer['routes']>[number]): CniRoute => {
  if (!parseCidr(route.dst)) throw badAnswer(`route destination "${route.dst}" is not a CIDR`)
  if (route.gw && !parseIp(route.gw)) throw badAnswer(`route gateway "${route.gw}" is not an IP`)
  return { dst: route.dst, ...(route.gw ? { gw: route.gw } : {}) }
}

const toDns = (dns: IpamAnswer['dns']): CniDns => ({
  ...(dns?.nameservers?.length ? { nameservers: dns.nameservers } : {}),
  ...(dns?.domain ? { domain: dns.domain } : {}),
  ...(dns?.search?.length ? { search: dns.search } : {}),
  ...(dns?.options?.length ? { options: dns.options } : {}),
})

/**
 * The CNI result for one interface out of the service's answer for every NIC of the pod. Routes
 * come as the service computed them (the gateway's default route included, unless clean_gateway):
 * none are added here. An answer with no address for `ifName` is an error, never an empty result.
 */
export const toCniResult = (answer: IpamAnswer, ifName: string, version: CniVersion): CniResult => {
  const ips = answer.ips.filter((ip) => ip.nic === ifName).map((ip) => toIP(version, ip))
  if (ips.length === 0) {
    const nics = [...new Set(answer.ips.map((ip) => ip.nic))]
    throw new CniError(CniCode.ipamRefused, `IPAM service allocated no address for interface ${ifName}`, `it answered for [${nics.join(', ')}]`)
  }
  const routes = (answer.routes ?? []).filter((r) => r.ifName === ifName).map(toRoute)
  return {
    cniVersion: version,
    ips,
    ...(routes.length > 0 ? { routes } : {}),
    dns: toDns(answer.dns),
  }
}
