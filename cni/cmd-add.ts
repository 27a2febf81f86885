import { requirePodRef } from './k8s-args.ts'
import { toCniResult } from './result.ts'
import type { Verb } from './verb.ts'

/**
 * Asks the service for the pod's addresses and answers those of CNI_IFNAME. There is no rollback:
 * the POST is the only step, and a DELETE after a bad answer could release addresses a sibling
 * NIC's ADD already returned (the answer covers every NIC). The runtime calls DEL after a failed ADD.
 * No health check first either (Spiderpool does one): it would double the round trips, and a
 * sick service already fails the POST with a code the runtime retries.
 */
export const cmdAdd: Verb = async ({ env, args, conf, version, client, log }) => {
  const pod = requirePodRef(args)
  const { ipam } = conf
  const answer = await client.allocate({
    containerID: env.containerID,
    ifName: env.ifName,
    netNamespace: env.netns,
    ...pod,
    ...(ipam.default_ipv4_ippool ? { defaultIPv4IPPool: ipam.default_ipv4_ippool } : {}),
    ...(ipam.default_ipv6_ippool ? { defaultIPv6IPPool: ipam.default_ipv6_ippool } : {}),
    cleanGateway: ipam.clean_gateway,
    // Forwarded so that the service refuses it for both plugins alike (it is not supported).
    ...(ipam.match_master_subnet ? { matchMasterSubnet: true } : {}),
    network: conf.name,
  })
  const result = toCniResult(answer, env.ifName, version)
  log.info('allocated', {
    ips: result.ips.map((ip) => ip.address),
    pools: answer.ips.filter((ip) => ip.nic === env.ifName && ip.ipPool).map((ip) => ip.ipPool),
  })
  return JSON.stringify(result)
}
