// What `cluster:up [-- --nodes N]` makes: the seed's two nodes, then workers alternating zones.
import { describe, expect, it } from 'vitest'
import { MAX_NODES, defaultGateway, describeCluster, nodeIP } from '../scripts/cluster/description.ts'

describe('describeCluster', () => {
  it('is the seed scenario by default', () => {
    const { nodes, zones } = describeCluster()
    expect(nodes.map((n) => [n.name, n.address, n.labels['node-subnet'], n.controlPlane])).toEqual([
      ['controller-node-1', '10.6.168.71/16', 'subnet-6', true],
      ['worker-node-1', '10.7.168.73/16', 'subnet-7', false],
    ])
    expect(zones.map((z) => [z.name, z.gateways])).toEqual([
      ['subnet-6', ['10.6.0.1/16', '198.18.6.1/24']],
      ['subnet-7', ['10.7.0.1/16', '198.18.7.1/24']],
    ])
  })

  it('adds workers alternating between the zones, each address unique and in its zone', () => {
    const { nodes, zones } = describeCluster(5)
    expect(nodes.map((n) => `${n.name} ${n.zone} ${n.address}`)).toEqual([
      'controller-node-1 subnet-6 10.6.168.71/16',
      'worker-node-1 subnet-7 10.7.168.73/16',
      'worker-node-2 subnet-6 10.6.168.74/16',
      'worker-node-3 subnet-7 10.7.168.75/16',
      'worker-node-4 subnet-6 10.6.168.76/16',
    ])
    const all = describeCluster(MAX_NODES)
    expect(new Set(all.nodes.map(nodeIP)).size).toBe(MAX_NODES)
    for (const node of all.nodes) expect(defaultGateway(all, node)).toBe(node.zone === 'subnet-6' ? '10.6.0.1' : '10.7.0.1')
    expect(zones).toHaveLength(2)
  })

  it.each([0, -1, 2.5, MAX_NODES + 1, Number.NaN])('refuses --nodes %s, naming the range', (n) => {
    expect(() => describeCluster(n)).toThrow(`--nodes must be a whole number from 1 to ${MAX_NODES}`)
  })
})
