import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { PoolView } from './pool-view.ts'
import { pool } from './pools.testkit.ts'
import { byPoolPriority } from './priority.ts'

const index = (...pools: PoolView[]) => new Map(pools.map((p) => [p.name, p]))

describe("byPoolPriority (Spiderpool's ByPoolPriority, stable)", () => {
  const all = index(
    pool('plain'),
    pool('multus', 4, { multusName: ['kube-system/macvlan'] }),
    pool('ns-affinity', 4, { namespaceAffinity: { matchLabels: { team: 'a' } } }),
    pool('ns-name', 4, { namespaceName: ['app'] }),
    pool('node-affinity', 4, { nodeAffinity: { matchLabels: { zone: 'a' } } }),
    pool('node-name', 4, { nodeName: ['n1'] }),
    pool('pod-affinity', 4, { podAffinity: { matchLabels: { app: 'web' } } }),
  )

  it('puts podAffinity, nodeName, nodeAffinity, namespaceName, namespaceAffinity, multusName, then the rest', () => {
    expect(byPoolPriority(['plain', 'multus', 'ns-affinity', 'ns-name', 'node-affinity', 'node-name', 'pod-affinity'], all)).toEqual([
      'pod-affinity',
      'node-name',
      'node-affinity',
      'ns-name',
      'ns-affinity',
      'multus',
      'plain',
    ])
  })

  it('compares rule by rule: a higher rule decides before any lower one', () => {
    const pools = index(
      pool('node-and-multus', 4, { nodeAffinity: {}, multusName: ['m'] }),
      pool('pod-only', 4, { podAffinity: {} }),
      pool('node-and-ns', 4, { nodeAffinity: {}, namespaceName: ['x'] }),
    )
    expect(byPoolPriority(['node-and-multus', 'node-and-ns', 'pod-only'], pools)).toEqual(['pod-only', 'node-and-ns', 'node-and-multus'])
  })

  it('counts a selector once set, even empty, and a name list once it has a name', () => {
    const pools = index(pool('empty-list', 4, { nodeName: [] }), pool('empty-selector', 4, { nodeAffinity: {} }))
    expect(byPoolPriority(['empty-list', 'empty-selector'], pools)).toEqual(['empty-selector', 'empty-list'])
  })

  it("keeps the user's order among equals (the seed scenario's two zone pools)", () => {
    const zones = index(
      pool('test-ippool-6', 4, { nodeAffinity: { matchLabels: { z: '6' } } }),
      pool('test-ippool-7', 4, { nodeAffinity: { matchLabels: { z: '7' } } }),
    )
    expect(byPoolPriority(['test-ippool-7', 'test-ippool-6'], zones)).toEqual(['test-ippool-7', 'test-ippool-6'])
    expect(byPoolPriority(['test-ippool-6', 'test-ippool-7'], zones)).toEqual(['test-ippool-6', 'test-ippool-7'])
  })

  it('is a stable permutation: same names, equal ranks in the given order', () => {
    const names = [...all.keys()]
    fc.assert(
      fc.property(fc.shuffledSubarray(names), (subset) => {
        const sorted = byPoolPriority(subset, all)
        expect([...sorted].sort()).toEqual([...subset].sort())
        expect(byPoolPriority(sorted, all)).toEqual(sorted)
      }),
    )
  })
})
