// The local cluster's underlay, all in network namespaces of its own (nothing touches the host's
// interfaces or routes):
//
//   spnc-router            one bridge per zone (the zone's segment) holding the zone's gateways,
//                          forwarding between zones (so cross-zone pings show ttl 63)
//   spnc-<node>            the node: `ens192` (a veth whose peer is a port of its zone's bridge)
//                          with the node's InternalIP, a default route via the zone's gateway, and
//                          the `kubernetes` Service's ClusterIP on its loopback, where
//                          netns-gateway answers for the API server
import fs from 'node:fs'
import { defaultGateway, type ClusterDescription, type NodeDescription } from './description.ts'
import { run, tryRun } from './exec.ts'
import { NETNS_PREFIX, ROUTER_NETNS, netnsPath, nodeNetns } from './paths.ts'

/** The `kubernetes` Service's ClusterIP (first address of --service-cluster-ip-range). */
export const KUBERNETES_SERVICE_IP = '10.96.0.1'
export const NODE_UPLINK = 'ens192'

const zoneBridge = (zone: string) => `br-${zone}`.slice(0, 15)
const routerPort = (index: number) => `node${index}`
const ipIn = (netns: string, ...args: string[]) => run('ip', ['-n', netns, ...args])

export const netnsExists = (name: string) => fs.existsSync(netnsPath(name))

async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name])
  await ipIn(name, 'link', 'set', 'lo', 'up')
}

/** The router and the zones' segments; kept when they exist already. */
export async function ensureZones(description: ClusterDescription): Promise<void> {
  if (!netnsExists(ROUTER_NETNS)) {
    await addNetns(ROUTER_NETNS)
    await run('ip', ['netns', 'exec', ROUTER_NETNS, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'])
  }
  for (const zone of description.zones) {
    const bridge = zoneBridge(zone.name)
    if (await tryRun('ip', ['-n', ROUTER_NETNS, 'link', 'show', bridge])) continue
    await ipIn(ROUTER_NETNS, 'link', 'add', bridge, 'type', 'bridge')
    for (const gateway of zone.gateways) await ipIn(ROUTER_NETNS, 'addr', 'add', gateway, 'dev', bridge)
    await ipIn(ROUTER_NETNS, 'link', 'set', bridge, 'up')
  }
}

/** The node's namespace wired to its zone; kept when it exists already. */
export async function ensureNodeNetwork(description: ClusterDescription, node: NodeDescription, index: number): Promise<void> {
  const netns = nodeNetns(node.name)
  if (netnsExists(netns)) return
  await addNetns(netns)
  const port = routerPort(index)
  await ipIn(ROUTER_NETNS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', NODE_UPLINK, 'netns', netns)
  await ipIn(ROUTER_NETNS, 'link', 'set', port, 'master', zoneBridge(node.zone), 'up')
  await ipIn(netns, 'addr', 'add', node.address, 'dev', NODE_UPLINK)
  await ipIn(netns, 'link', 'set', NODE_UPLINK, 'up')
  await ipIn(netns, 'route', 'add', 'default', 'via', defaultGateway(description, node))
  await ipIn(netns, 'addr', 'add', `${KUBERNETES_SERVICE_IP}/32`, 'dev', 'lo')
}

/** Names of this cluster's network namespaces that exist. */
export function clusterNetns(): string[] {
  return fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => n.startsWith(NETNS_PREFIX)) : []
}

/** Deletes the node's namespace (its ens192 and the router's port go with it). */
export async function removeNodeNetwork(node: string): Promise<void> {
  if (netnsExists(nodeNetns(node))) await run('ip', ['netns', 'delete', nodeNetns(node)])
}

export async function removeAllNetworks(): Promise<void> {
  for (const name of clusterNetns()) await run('ip', ['netns', 'delete', name])
}
