import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { refusal } from '../annotations/refusal.testkit.ts'
import { multusNetworkOf } from '../annotations/multus-network.ts'
import { selectCandidates } from './candidates.ts'
import { filterCandidates, filterFamily, rejectionReason, type FilterContext } from './filter.ts'
import type { PoolView } from './pool-view.ts'
import { pool } from './pools.testkit.ts'

const ctx: FilterContext = {
  pod: { namespace: 'app', name: 'web-0', labels: { app: 'web' } },
  node: { name: 'worker-node-1', labels: { 'node-subnet': 'subnet-7' } },
  namespaceLabels: { team: 'blue' },
  multusNetworkOf: (nic) => ({ eth0: 'kube-system/macvlan-conf', net1: 'app/sriov-a' })[nic],
  multusNamespace: 'kube-system',
}

const reason = (p: PoolView | undefined, version: 4 | 6 = 4, nic = 'eth0', c: FilterContext = ctx) => rejectionReason(version, p?.name ?? 'ghost', p, nic, c)

describe("rejectionReason: each rule, with Spiderpool's text", () => {
  it.each<[string, PoolView | undefined, string | undefined]>([
    ['a pool that serves anyone', pool('p'), undefined],
    ['not found', undefined, 'IPPool ghost not found'],
    ['terminating', pool('p', 4, { terminating: true }), 'terminating IPPool p'],
    ['disabled', pool('p', 4, { disable: true }), 'disabled IPPool p'],
    ['wrong family', pool('p', 6), 'expect an IPv4 IPPool, but the version of the IPPool p is IPv6'],
    ['nodeName lists the node', pool('p', 4, { nodeName: ['worker-node-1'] }), undefined],
    ['nodeName does not list the node', pool('p', 4, { nodeName: ['controller-node-1'] }), 'unmatched Node name of IPPool p'],
    ['nodeName replaces nodeAffinity', pool('p', 4, { nodeName: ['worker-node-1'], nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } } }), undefined],
    [
      'empty nodeName falls back to nodeAffinity',
      pool('p', 4, { nodeName: [], nodeAffinity: { matchLabels: { x: 'y' } } }),
      'unmatched Node affinity of IPPool p',
    ],
    ['nodeAffinity matches', pool('p', 4, { nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-7' } } }), undefined],
    ['nodeAffinity does not', pool('p', 4, { nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } } }), 'unmatched Node affinity of IPPool p'],
    ['namespaceName lists it', pool('p', 4, { namespaceName: ['app'] }), undefined],
    ['namespaceName does not', pool('p', 4, { namespaceName: ['other'] }), 'unmatched Namespace name of IPPool p'],
    ['namespaceName replaces namespaceAffinity', pool('p', 4, { namespaceName: ['app'], namespaceAffinity: { matchLabels: { team: 'red' } } }), undefined],
    ['namespaceAffinity matches', pool('p', 4, { namespaceAffinity: { matchExpressions: [{ key: 'team', operator: 'In', values: ['blue'] }] } }), undefined],
    ['namespaceAffinity does not', pool('p', 4, { namespaceAffinity: { matchLabels: { team: 'red' } } }), 'unmatched Namespace affinity of IPPool p'],
    ['podAffinity matches', pool('p', 4, { podAffinity: { matchLabels: { app: 'web' } } }), undefined],
    ['podAffinity does not', pool('p', 4, { podAffinity: { matchLabels: { app: 'db' } } }), 'unmatched Pod affinity of IPPool p'],
    ['an empty selector matches', pool('p', 4, { nodeAffinity: {} }), undefined],
    [
      'an invalid selector says why',
      pool('p', 4, { nodeAffinity: { matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] } }),
      'invalid Node affinity of IPPool p: matchExpressions[0]: values must be empty for operator Exists',
    ],
    ['multusName ns/name matches', pool('p', 4, { multusName: ['kube-system/macvlan-conf'] }), undefined],
    ['a bare multusName lives in the project namespace', pool('p', 4, { multusName: ['other', 'macvlan-conf'] }), undefined],
    [
      'multusName does not match',
      pool('p', 4, { multusName: ['app/macvlan-conf', 'sriov'] }),
      'interface eth0 IPPool p specified multusName [app/macvlan-conf sriov] unmatched multusCR kube-system/macvlan-conf',
    ],
    // The first failing rule is the one reported, in Spiderpool's order.
    ['terminating before disabled', pool('p', 6, { terminating: true, disable: true }), 'terminating IPPool p'],
    ['disabled before family', pool('p', 6, { disable: true }), 'disabled IPPool p'],
    ['node before namespace', pool('p', 4, { nodeName: ['x'], namespaceName: ['x'] }), 'unmatched Node name of IPPool p'],
    ['namespace before pod', pool('p', 4, { namespaceName: ['x'], podAffinity: { matchLabels: { a: 'b' } } }), 'unmatched Namespace name of IPPool p'],
    ['pod before multus', pool('p', 4, { podAffinity: { matchLabels: { a: 'b' } }, multusName: ['x'] }), 'unmatched Pod affinity of IPPool p'],
  ])('%s', (_name, p, want) => {
    expect(reason(p)).toBe(want)
  })

  it('judges a wrong family for IPv6 too', () => {
    expect(reason(pool('p', 4), 6)).toBe('expect an IPv6 IPPool, but the version of the IPPool p is IPv4')
  })

  it('matches multusName per NIC, and says when no network is known', () => {
    expect(reason(pool('p', 4, { multusName: ['app/sriov-a'] }), 4, 'net1')).toBeUndefined()
    expect(reason(pool('p', 4, { multusName: ['app/sriov-a'] }), 4, 'net2')).toBe(
      'interface net2 IPPool p specified multusName [app/sriov-a], but no multus network is known for net2',
    )
    const noMultus: FilterContext = { ...ctx, multusNetworkOf: undefined }
    expect(reason(pool('p', 4, { multusName: ['x'] }), 4, 'eth0', noMultus)).toBe(
      'interface eth0 IPPool p specified multusName [x], but no multus network is known for eth0',
    )
  })

  it("turns an unusable multus annotation into the pool's reason", () => {
    const c: FilterContext = {
      ...ctx,
      multusNetworkOf: (nic) => multusNetworkOf({ 'v1.multus-cni.io/default-network': 'a/b/c' }, nic, { podNamespace: 'app', systemNamespace: 'kube-system' }),
    }
    expect(reason(pool('p', 4, { multusName: ['x'] }), 4, 'eth0', c)).toBe(
      "interface eth0 IPPool p specified multusName [x], but the pod's multus annotation is unusable: " +
        'invalid annotation v1.multus-cni.io/default-network: invalid network object "a/b/c" (failed at \'/\')',
    )
    // A pool without multusName never asks.
    expect(reason(pool('q'), 4, 'eth0', c)).toBeUndefined()
  })

  it("matches an auto pool's podAffinity against the pod's application, not its labels", () => {
    const affinity = {
      matchLabels: {
        'ipam.spidernet.io/app-api-group': 'apps',
        'ipam.spidernet.io/app-api-version': 'v1',
        'ipam.spidernet.io/app-kind': 'StatefulSet',
        'ipam.spidernet.io/app-namespace': 'app',
        'ipam.spidernet.io/app-name': 'web',
      },
    }
    const auto = pool('auto4-web-eth0-1a2b3', 4, { autoCreated: true, podAffinity: affinity })
    const web = { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: 'app', name: 'web' }
    expect(reason(auto, 4, 'eth0', { ...ctx, pod: { ...ctx.pod, app: web } })).toBeUndefined()
    expect(reason(auto, 4, 'eth0', { ...ctx, pod: { ...ctx.pod, app: { ...web, name: 'db' } } })).toBe(
      'unmatched Pod affinity of auto-created IPPool auto4-web-eth0-1a2b3',
    )
    expect(reason(auto)).toBe('unmatched Pod affinity of auto-created IPPool auto4-web-eth0-1a2b3')
  })
})

describe('the seed scenario', () => {
  const pools = [
    pool('test-ippool-6', 4, { nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } } }),
    pool('test-ippool-7', 4, { nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-7' } } }),
  ]
  const podAnnotations = {
    'ipam.spidernet.io/ippool': '{"ipv4": ["test-ippool-6", "test-ippool-7"]}',
    'v1.multus-cni.io/default-network': 'kube-system/macvlan-conf',
  }
  const on = (nodeName: string, subnet: string): FilterContext => ({
    pod: { namespace: 'default', name: 'test-app-x', labels: { app: 'test-app' } },
    node: { name: nodeName, labels: { 'node-subnet': subnet } },
    multusNamespace: 'kube-system',
  })

  it.each([
    ['worker-node-1', 'subnet-7', ['test-ippool-7'], 'test-ippool-6', 'unmatched Node affinity of IPPool test-ippool-6'],
    ['controller-node-1', 'subnet-6', ['test-ippool-6'], 'test-ippool-7', 'unmatched Node affinity of IPPool test-ippool-7'],
  ])("on %s (%s) only the zone's pool is left, the other's reason kept", (nodeName, subnet, kept, dropped, why) => {
    const selection = selectCandidates({ nic: 'eth0', podAnnotations, namespaceAnnotations: {}, pools })
    if (selection.tier === 'subnet') throw new Error('unexpected subnet tier')
    expect(filterCandidates(selection.current, pools, on(nodeName, subnet))).toEqual({
      nic: 'eth0',
      ipv4: kept,
      cleanGateway: false,
      rejected: [{ pool: dropped, reason: why }],
    })
  })

  it("on a node of neither zone: Spiderpool's refusal with every reason", () => {
    const nic = { nic: 'eth0', ipv4: ['test-ippool-6', 'test-ippool-7'], cleanGateway: false }
    expect(refusal(() => filterCandidates(nic, pools, on('edge-1', 'subnet-9')))).toEqual({
      code: 'no-pool',
      message:
        'no IPPool available, all IPv4 IPPools [test-ippool-6 test-ippool-7] of eth0 filtered out: ' +
        '[unmatched Node affinity of IPPool test-ippool-6, unmatched Node affinity of IPPool test-ippool-7]',
    })
  })
})

describe('filterCandidates', () => {
  const pools = [pool('a'), pool('b', 4, { disable: true }), pool('a6', 6), pool('b6', 6, { terminating: true })]

  it("keeps both families, tried by Spiderpool's priority, the user's order among equals", () => {
    const zoned = [...pools, pool('z', 4, { nodeName: ['worker-node-1'] }), pool('y', 4, { podAffinity: {} })]
    expect(filterCandidates({ nic: 'eth0', ipv4: ['a', 'z', 'y'], cleanGateway: false }, zoned, ctx).ipv4).toEqual(['y', 'z', 'a'])
  })

  it("keeps the user's order and both families", () => {
    expect(filterCandidates({ nic: 'net1', ipv4: ['b', 'a'], ipv6: ['b6', 'a6'], cleanGateway: true }, pools, ctx)).toEqual({
      nic: 'net1',
      ipv4: ['a'],
      ipv6: ['a6'],
      cleanGateway: true,
      rejected: [
        { pool: 'b', reason: 'disabled IPPool b' },
        { pool: 'b6', reason: 'terminating IPPool b6' },
      ],
    })
  })

  it('refuses a candidate that does not exist, even when another could serve (as Spiderpool)', () => {
    expect(refusal(() => filterCandidates({ nic: 'eth0', ipv4: ['a', 'missing'], cleanGateway: false }, pools, ctx))).toEqual({
      code: 'no-pool',
      message: 'failed to get original IPPool missing: spiderippools.spiderpool.spidernet.io "missing" not found',
    })
  })

  it('a family that is not requested is not served', () => {
    expect(filterCandidates({ nic: 'eth0', ipv6: ['a6'], cleanGateway: false }, pools, ctx)).toEqual({
      nic: 'eth0',
      ipv6: ['a6'],
      cleanGateway: false,
      rejected: [],
    })
  })

  it.each([
    [{ nic: 'eth0', ipv4: ['b'], cleanGateway: false }, 'no IPPool available, all IPv4 IPPools [b] of eth0 filtered out: disabled IPPool b'],
    [
      { nic: 'net1', ipv4: ['a'], ipv6: ['b6', 'a'], cleanGateway: false },
      'no IPPool available, all IPv6 IPPools [b6 a] of net1 filtered out: [terminating IPPool b6, expect an IPv6 IPPool, but the version of the IPPool a is IPv4]',
    ],
  ])('refuses when a family loses every pool: %j', (nic, message) => {
    expect(refusal(() => filterCandidates(nic, pools, ctx))).toEqual({ code: 'no-pool', message })
  })
})

describe('filter properties', () => {
  const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']
  const arbPool = (name: string): fc.Arbitrary<PoolView> =>
    fc.record({
      name: fc.constant(name),
      ipVersion: fc.constantFrom(4 as const, 6 as const),
      terminating: fc.boolean(),
      disable: fc.boolean(),
      default: fc.boolean(),
      nodeName: fc.option(fc.subarray(['worker-node-1', 'n2']), { nil: undefined }),
      podAffinity: fc.option(fc.record({ matchLabels: fc.dictionary(fc.constantFrom('app', 'tier'), fc.constantFrom('web', 'db')) }), {
        nil: undefined,
      }),
    })
  const world = fc.record({
    pools: fc.tuple(...names.map(arbPool)).chain((ps) => fc.subarray(ps)),
    // Candidates may repeat, be missing, or come in any order.
    candidates: fc.array(fc.constantFrom(...names, 'ghost'), { maxLength: 10 }),
    version: fc.constantFrom(4 as const, 6 as const),
  })

  it("the kept pools are the candidates' survivors, by Spiderpool's priority, in the user's order among equals", () => {
    fc.assert(
      fc.property(world, ({ pools, candidates, version }) => {
        const { kept } = filterFamily(version, candidates, 'eth0', pools, ctx)
        const byName = new Map(pools.map((p) => [p.name, p]))
        const survivors = candidates.filter((c) => kept.includes(c))
        const first = (p: PoolView | undefined) => (p?.podAffinity ? 0 : (p?.nodeName?.length ?? 0) > 0 ? 1 : 2)
        expect(kept).toEqual([0, 1, 2].flatMap((rank) => survivors.filter((c) => first(byName.get(c)) === rank)))
      }),
    )
  })

  it('every candidate is either kept or rejected with its reason, never both', () => {
    fc.assert(
      fc.property(world, ({ pools, candidates, version }) => {
        const { kept, rejected } = filterFamily(version, candidates, 'eth0', pools, ctx)
        const byName = new Map(pools.map((p) => [p.name, p]))
        const expectedKept = candidates.filter((c) => rejectionReason(version, c, byName.get(c), 'eth0', ctx) === undefined)
        return (
          JSON.stringify([...kept].sort()) === JSON.stringify([...expectedKept].sort()) &&
          kept.length + rejected.length === candidates.length &&
          rejected.every((r) => r.reason.includes(r.pool))
        )
      }),
    )
  })
})
