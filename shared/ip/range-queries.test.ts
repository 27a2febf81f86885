import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseIp } from './address.ts'
import { parseIpRanges } from './parse-ranges.ts'
import { findOverlap, ipInRanges, rangesContainIp, rangesContainRanges } from './range-queries.ts'
import { addressSet, rangesArb } from './test-arbitraries.ts'

describe('findOverlap', () => {
  it.each([
    [[], undefined],
    [['10.0.0.1-10.0.0.5', '10.0.0.6'], undefined],
    [
      ['10.0.0.1-10.0.0.5', '10.0.0.5'],
      [0, 1],
    ],
    [
      ['10.0.0.9', '10.0.0.20', '10.0.0.1-10.0.0.10'],
      [0, 2],
    ],
    [
      ['10.0.0.1-10.0.0.3', '10.0.0.3', '10.0.0.3'],
      [0, 1],
    ],
    [
      ['10.0.0.1', '10.0.0.1'],
      [0, 1],
    ],
    [
      ['10.0.0.1-10.0.0.100', '10.0.0.2', '10.0.0.50-10.0.0.60'],
      [0, 1],
    ],
    [['10.0.0.1', 'fd00::1', '::a00:1'], undefined],
    [
      ['fd00::1-fd00::ff', 'fd00::ff-fd00::1ff'],
      [0, 1],
    ],
    [
      ['fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'fd12::1'],
      [0, 1],
    ],
  ] as const)('%j -> %j', (list, expected) => {
    expect(findOverlap(parseIpRanges(list))).toEqual(expected)
  })

  it('reports a pair exactly when two entries share an address', () => {
    fc.assert(
      fc.property(rangesArb, (ranges) => {
        const pair = findOverlap(ranges)
        const total = ranges.reduce((n, r) => n + addressSet([r]).size, 0)
        expect(pair !== undefined).toBe(total !== addressSet(ranges).size)
        if (pair) {
          const [i, j] = pair
          expect(i).toBeLessThan(j)
          const shared = [...addressSet([ranges[i]!])].filter((ip) => addressSet([ranges[j]!]).has(ip))
          expect(shared.length).toBeGreaterThan(0)
        }
      }),
    )
  })
})

describe('rangesContainRanges', () => {
  it.each([
    [['10.6.0.1-10.6.255.254'], ['10.6.0.10-10.6.0.20', '10.6.1.1'], true],
    [['10.6.0.1-10.6.0.9', '10.6.0.10-10.6.0.20'], ['10.6.0.5-10.6.0.15'], true],
    [['10.6.0.1-10.6.0.9', '10.6.0.11-10.6.0.20'], ['10.6.0.5-10.6.0.15'], false],
    [['10.6.0.1-10.6.0.9'], [], true],
    [[], ['10.6.0.1'], false],
    [['10.6.0.1-10.6.0.9'], ['fd00::1'], false],
    [['fd00::-fd00::ffff:ffff:ffff:ffff'], ['fd00::1-fd00::ffff'], true],
  ])('%j contains %j: %s', (outer, inner, expected) => {
    expect(rangesContainRanges(parseIpRanges(outer), parseIpRanges(inner))).toBe(expected)
  })

  it('matches subset', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, (outer, inner) => {
        const superset = addressSet(outer)
        const expected = [...addressSet(inner)].every((ip) => superset.has(ip))
        expect(rangesContainRanges(outer, inner)).toBe(expected)
      }),
    )
  })
})

describe('ipInRanges / rangesContainIp', () => {
  const ranges = parseIpRanges(['10.6.0.1-10.6.0.9', '10.6.0.20', 'fd00::1-fd00::ff'])
  it.each([
    ['10.6.0.1', true],
    ['10.6.0.9', true],
    ['10.6.0.10', false],
    ['10.6.0.20', true],
    ['10.6.0.0', false],
    ['fd00::1', true],
    ['FD00:0::00ff', true],
    ['fd00::100', false],
    ['::a06:1', false],
    ['garbage', false],
  ])('%s: %s', (ip, expected) => {
    expect(ipInRanges(ip, ranges)).toBe(expected)
    if (ip !== 'garbage') expect(rangesContainIp(ranges, parseIp(ip))).toBe(expected)
  })
})
