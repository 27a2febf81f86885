import { describe, expect, it } from 'vitest'
import { poolsNamedByPod, poolsToRead } from './pools-to-read.ts'

const req = (podAnnotations: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  nic: 'eth0',
  podAnnotations,
  namespaceAnnotations: {},
  ...extra,
})

describe('poolsToRead', () => {
  it('reads only the pools the winning tier names', () => {
    expect(poolsToRead(req({ 'ipam.spidernet.io/ippool': '{"ipv4":["a","b"],"ipv6":["c"]}' }))).toEqual(['a', 'b', 'c'])
    expect(poolsToRead(req({ 'ipam.spidernet.io/ippools': '[{"interface":"eth0","ipv4":["a"]},{"interface":"net1","ipv4":["b","a"]}]' }))).toEqual(['a', 'b'])
    expect(poolsToRead(req({}, { namespaceAnnotations: { 'ipam.spidernet.io/default-ipv4-ippool': '["ns-pool"]' } }))).toEqual(['ns-pool'])
    expect(poolsToRead(req({}, { cniDefaultIPv4IPPool: ['cni-pool'] }))).toEqual(['cni-pool'])
  })

  it('higher tiers win, as in selectCandidates', () => {
    const both = req({ 'ipam.spidernet.io/ippool': '{"ipv4":["pod"]}' }, { cniDefaultIPv4IPPool: ['cni'] })
    expect(poolsToRead(both)).toEqual(['pod'])
  })

  it('needs the whole list for wildcards and for the cluster defaults', () => {
    expect(poolsToRead(req({ 'ipam.spidernet.io/ippool': '{"ipv4":["zone-*"]}' }))).toBe('all')
    expect(poolsToRead(req({}))).toBe('all')
  })

  it('reads nothing for subnet annotations and malformed values (selection refuses those)', () => {
    expect(poolsToRead(req({ 'ipam.spidernet.io/subnet': '{"ipv4":["s"]}' }))).toEqual([])
    expect(poolsToRead(req({ 'ipam.spidernet.io/ippool': '{nope' }))).toEqual([])
  })
})

describe('poolsNamedByPod', () => {
  it('names the pools when the pod annotations decide the tier, and nothing otherwise', () => {
    expect(poolsNamedByPod({ 'ipam.spidernet.io/ippool': '{"ipv4":["a"]}' }, 'eth0')).toEqual(['a'])
    expect(poolsNamedByPod({ 'ipam.spidernet.io/ippool': '{"ipv4":["z*"]}' }, 'eth0')).toBe('all')
    expect(poolsNamedByPod({ 'ipam.spidernet.io/subnet': '{"ipv4":["s"]}' }, 'eth0')).toEqual([])
    expect(poolsNamedByPod({ unrelated: 'x' }, 'eth0')).toBeUndefined()
  })
})
