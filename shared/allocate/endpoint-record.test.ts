import { describe, expect, it } from 'vitest'
import type { IPAllocationDetail, SpiderEndpoint } from '../api/index.ts'
import { nextEndpoint, type EndpointFacts } from './endpoint-record.ts'

const facts = (uid: string, extra: Partial<EndpointFacts> = {}): EndpointFacts => ({
  pod: { namespace: 'ns', name: 'p', uid },
  node: 'n1',
  owner: { kind: 'Pod', name: 'p' },
  outlivesPod: false,
  attachment: { ifName: 'eth0', containerID: 'c1', network: 'net' },
  now: '2026-01-01T00:00:00.000Z',
  ...extra,
})
const nic = (name: string, ip: string): IPAllocationDetail => ({ interface: name, ipv4: ip, ipv4Pool: 'pool', cleanGateway: false, vlan: 0 })

describe('nextEndpoint', () => {
  it('creates the record with the pod as owner, the finalizer and the attachment', () => {
    const e = nextEndpoint(undefined, facts('u1'), [nic('eth0', '10.0.0.1/24')])
    expect(e?.metadata).toMatchObject({ name: 'p', namespace: 'ns', finalizers: ['spiderpool.spidernet.io'] })
    expect(e?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u1', controller: true, blockOwnerDeletion: true }])
    expect(e?.status.current).toEqual({ uid: 'u1', node: 'n1', ips: [nic('eth0', '10.0.0.1/24')] })
    expect(JSON.parse(e?.metadata.annotations?.['spinneret.dev/cni-attachments'] ?? '{}')).toEqual({
      eth0: { containerID: 'c1', network: 'net', since: '2026-01-01T00:00:00.000Z' },
    })
  })

  it('keeps the other NICs of the same pod, writes nothing when unchanged, and replaces an earlier pod’s record', () => {
    const first = nextEndpoint(undefined, facts('u1'), [nic('eth0', '10.0.0.1/24')]) as SpiderEndpoint
    const both = nextEndpoint(first, facts('u1', { attachment: { ifName: 'net1', containerID: 'c1' } }), [nic('net1', '10.1.0.1/24')])
    expect(both?.status.current.ips.map((d) => d.interface)).toEqual(['eth0', 'net1'])
    expect(nextEndpoint(first, facts('u1', { now: '2026-02-01T00:00:00.000Z' }), [nic('eth0', '10.0.0.1/24')])).toBeUndefined()
    const successor = nextEndpoint(both, facts('u2'), [nic('eth0', '10.0.0.7/24')])
    expect(successor?.status.current).toEqual({ uid: 'u2', node: 'n1', ips: [nic('eth0', '10.0.0.7/24')] })
  })

  it('gives a StatefulSet pod’s record no owner, so it outlives the pod', () => {
    expect(nextEndpoint(undefined, facts('u1', { outlivesPod: true }), [nic('eth0', '10.0.0.1/24')])?.metadata.ownerReferences).toEqual([])
  })
})
