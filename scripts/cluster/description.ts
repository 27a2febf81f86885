// What the local cluster is made of: network zones (an underlay segment each, behind one router)
// and nodes (a network, mount and UTS namespace each, on one zone's segment). The default is the
// seed scenario's two nodes; `--nodes N` adds workers alternating between the zones.

export interface ZoneDescription {
  /** Also the value of the nodes' `node-subnet` label, as in the seed. */
  name: string
  /** The router's addresses on the segment (CIDR form): the zone's gateways. */
  gateways: readonly string[]
}

export interface NodeDescription {
  name: string
  zone: string
  /** InternalIP on the node's `ens192`, with the zone's prefix length. */
  address: string
  labels: Readonly<Record<string, string>>
  /** Shown as the control-plane role (a label the kubelet may not set itself). */
  controlPlane: boolean
}

export interface ClusterDescription {
  zones: readonly ZoneDescription[]
  nodes: readonly NodeDescription[]
}

/** The seed's underlay subnets, and one 198.18.0.0/15 subnet per zone for tests' own traffic. */
export const ZONES: readonly ZoneDescription[] = [
  { name: 'subnet-6', gateways: ['10.6.0.1/16', '198.18.6.1/24'] },
  { name: 'subnet-7', gateways: ['10.7.0.1/16', '198.18.7.1/24'] },
]

export const MAX_NODES = 8

export function describeCluster(nodeCount = 2): ClusterDescription {
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > MAX_NODES) {
    throw new Error(`--nodes must be a whole number from 1 to ${MAX_NODES} (got ${nodeCount})`)
  }
  const seed: NodeDescription[] = [
    { name: 'controller-node-1', zone: 'subnet-6', address: '10.6.168.71/16', labels: { 'node-subnet': 'subnet-6' }, controlPlane: true },
    { name: 'worker-node-1', zone: 'subnet-7', address: '10.7.168.73/16', labels: { 'node-subnet': 'subnet-7' }, controlPlane: false },
  ]
  const nodes = seed.slice(0, nodeCount)
  for (let i = seed.length; i < nodeCount; i++) {
    const zone = i % 2 === 0 ? 6 : 7
    nodes.push({
      name: `worker-node-${i}`,
      zone: `subnet-${zone}`,
      address: `10.${zone}.168.${72 + i}/16`,
      labels: { 'node-subnet': `subnet-${zone}` },
      controlPlane: false,
    })
  }
  return { zones: ZONES, nodes }
}

/** The address without its prefix length. */
export const nodeIP = (node: NodeDescription) => node.address.split('/')[0] as string

/** The zone's first gateway without its prefix length: the node's default route. */
export function defaultGateway(description: ClusterDescription, node: NodeDescription): string {
  const zone = description.zones.find((z) => z.name === node.zone)
  if (!zone?.gateways[0]) throw new Error(`node ${node.name}: no zone ${node.zone} with a gateway`)
  return zone.gateways[0].split('/')[0] as string
}
