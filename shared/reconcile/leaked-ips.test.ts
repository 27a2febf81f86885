import { describe, expect, it } from 'vitest'
import { parseSpiderEndpoint, parseSpiderIPPool, serializeAllocatedIPs, type SpiderEndpoint } from '../api/index.ts'
import type { PodView } from '../api/views.ts'
import { leakedIPs, orphanedEndpoints, type LeakScan } from './leaked-ips.ts'

const NOW = '2026-11-25T12:00:00.000Z'

const poolWith = (name: string, records: Record<string, [pod: string, uid: string]>) =>
  parseSpiderIPPool({
    metadata: { name },
    spec: { subnet: '10.1.0.0/24', ips: ['10.1.0.1-10.1.0.50'] },
    status: {
      allocatedIPs: serializeAllocatedIPs(Object.fromEntries(Object.entries(records).map(([ip, [pod, podUid]]) => [ip, { interface: 'eth0', pod, podUid }]))),
    },
  })

const livePod = (name: string, uid: string, extra: Partial<PodView> = {}): PodView => ({
  namespace: 'ns',
  name,
  uid,
  labels: {},
  annotations: {},
  ownerReferences: [],
  phase: 'Running',
  ...extra,
})

const endpointOf = (name: string, uid: string, owner: { type: string; name: string }): SpiderEndpoint =>
  parseSpiderEndpoint({
    metadata: { name, namespace: 'ns' },
    status: {
      current: { uid, node: 'n1', ips: [{ interface: 'eth0', ipv4: '10.1.0.1/24', ipv4Pool: 'p' }] },
      ownerControllerType: owner.type,
      ownerControllerName: owner.name,
    },
  })

const scan = (over: Partial<LeakScan>): LeakScan => ({ pools: [], endpoints: [], pods: [], statefulSets: new Map(), now: NOW, ...over })
const leaked = (over: Partial<LeakScan>) => leakedIPs(scan(over)).map((l) => `${l.pool} ${l.ip} ${l.podUid}: ${l.reason}`)

describe('leakedIPs', () => {
  it('keeps the records of live pods, across pools', () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/a', 'ua'] }), poolWith('q', { '10.1.0.2': ['ns/a', 'ua'] })]
    expect(leaked({ pools, pods: [livePod('a', 'ua')] })).toEqual([])
  })

  it('releases the records of a pod that is gone or was replaced by another incarnation', () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/gone', 'u1'], '10.1.0.2': ['ns/again', 'old'] })]
    expect(leaked({ pools, pods: [livePod('again', 'new')] })).toEqual([
      'p 10.1.0.1 u1: pod ns/gone no longer exists',
      'p 10.1.0.2 old: pod ns/again is now another incarnation (UID new, not old)',
    ])
  })

  it('waits for a terminating pod until its deadline has passed', () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/soon', 'u1'], '10.1.0.2': ['ns/stuck', 'u2'] })]
    const pods = [livePod('soon', 'u1', { deletionTimestamp: '2026-11-25T12:00:30Z' }), livePod('stuck', 'u2', { deletionTimestamp: '2026-11-25T11:59:00Z' })]
    expect(leaked({ pools, pods })).toEqual(['p 10.1.0.2 u2: pod ns/stuck is still terminating past its deadline 2026-11-25T11:59:00Z'])
  })

  it('releases a pod finished for good, not one that will restart', () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/job', 'u1'], '10.1.0.2': ['ns/crashy', 'u2'] })]
    const pods = [
      livePod('job', 'u1', { phase: 'Succeeded', restartPolicy: 'Never' }),
      livePod('crashy', 'u2', { phase: 'Failed', restartPolicy: 'OnFailure' }),
    ]
    expect(leaked({ pools, pods })).toEqual(['p 10.1.0.1 u1: pod ns/job has succeeded'])
  })

  it("keeps a StatefulSet pod's address while the set wants its ordinal, gone pod or not", () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/web-1', 'u1'], '10.1.0.2': ['ns/web-3', 'u3'] })]
    const endpoints = [endpointOf('web-1', 'u1', { type: 'StatefulSet', name: 'web' }), endpointOf('web-3', 'u3', { type: 'StatefulSet', name: 'web' })]
    const statefulSets = new Map([['ns/web', { name: 'web', replicas: 2 }]])
    // web-1 is being recreated (new UID, not yet set up); web-3 is above the replicas.
    const pods = [livePod('web-1', 'u1-next')]
    expect(leaked({ pools, endpoints, pods, statefulSets })).toEqual(['p 10.1.0.2 u3: pod ns/web-3 no longer exists'])
    expect(leaked({ pools, endpoints, pods, statefulSets: new Map() })).toHaveLength(2)
    // spec.ordinals.start 2: the set runs web-2 and web-3, so web-1's address goes.
    const shifted = new Map([['ns/web', { name: 'web', replicas: 2, ordinalsStart: 2 }]])
    expect(leaked({ pools, endpoints, pods, statefulSets: shifted })).toEqual(['p 10.1.0.1 u1: pod ns/web-1 is now another incarnation (UID u1-next, not u1)'])
  })

  it('scanning one node, judges only the records its endpoints place there', () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/here', 'u1'], '10.1.0.2': ['ns/there', 'u2'], '10.1.0.3': ['ns/orphan', 'u3'] })]
    const endpoints = [endpointOf('here', 'u1', { type: 'Pod', name: 'here' }), { ...endpointOf('there', 'u2', { type: 'Pod', name: 'there' }) }]
    endpoints[1]!.status.current.node = 'n2'
    // n1's pod list is empty: `here` is gone; `there` lives on n2 and `orphan` has no endpoint.
    expect(leaked({ pools, endpoints, pods: [], node: 'n1' })).toEqual(['p 10.1.0.1 u1: pod ns/here no longer exists'])
  })

  it("does not take another incarnation's StatefulSet endpoint as the record's", () => {
    const pools = [poolWith('p', { '10.1.0.1': ['ns/web-0', 'old'] })]
    const endpoints = [endpointOf('web-0', 'new', { type: 'StatefulSet', name: 'web' })]
    const statefulSets = new Map([['ns/web', { name: 'web', replicas: 1 }]])
    expect(leaked({ pools, endpoints, pods: [livePod('web-0', 'new')], statefulSets })).toHaveLength(1)
  })
})

describe("pods on nodes that are down (the leader's scan)", () => {
  const pools = [poolWith('p', { '10.1.0.1': ['ns/web', 'u1'], '10.1.0.2': ['ns/db-0', 'u2'] })]
  const pods = [livePod('web', 'u1', { nodeName: 'n1' }), livePod('db-0', 'u2', { nodeName: 'n1' })]
  const endpoints = [endpointOf('db-0', 'u2', { type: 'StatefulSet', name: 'db' })]
  const statefulSets = new Map([['ns/db', { name: 'db', replicas: 1 }]])

  it("releases a pod's records once its node has been down longer than the grace", () => {
    const down = (since: string) => scan({ pools, pods, endpoints, statefulSets, downNodes: new Map([['n1', since]]), nodeDownGraceSeconds: 300 })
    expect(leakedIPs(down('2026-11-25T11:56:00Z'))).toEqual([]) // 4 minutes: within the grace
    expect(leakedIPs(down('2026-11-25T11:54:00Z'))).toEqual([
      {
        pool: 'p',
        ip: '10.1.0.1',
        podUid: 'u1',
        pod: 'ns/web',
        reason: 'pod ns/web is on node n1, down since 2026-11-25T11:54:00Z (longer than the 300 s grace)',
      },
    ]) // the StatefulSet still wants db-0: its address waits for its next pod
  })

  it('knows nothing of down nodes without a grace, and a node scan never judges them', () => {
    expect(leakedIPs(scan({ pools, pods, downNodes: new Map([['n1', '2020-01-01T00:00:00Z']]) }))).toEqual([])
  })
})

describe('orphanedEndpoints', () => {
  it("finds the endpoints of gone or replaced pods, records or not, and keeps a wanted StatefulSet ordinal's", () => {
    const endpoints = [
      endpointOf('gone', 'u1', { type: 'Deployment', name: 'd' }),
      endpointOf('replaced', 'u2', { type: 'Deployment', name: 'd' }),
      endpointOf('alive', 'u3', { type: 'Deployment', name: 'd' }),
      endpointOf('db-0', 'u4', { type: 'StatefulSet', name: 'db' }),
    ]
    const pods = [livePod('replaced', 'u9'), livePod('alive', 'u3')]
    const found = orphanedEndpoints(scan({ endpoints, pods, statefulSets: new Map([['ns/db', { name: 'db', replicas: 1 }]]) }))
    expect(found.map((f) => [f.endpoint.metadata.name, f.reason])).toEqual([
      ['gone', 'pod ns/gone no longer exists'],
      ['replaced', 'pod ns/replaced is now another incarnation (UID u9, not u2)'],
    ])
    expect(orphanedEndpoints(scan({ endpoints, pods, node: 'n2' }))).toEqual([]) // another node's
  })
})
