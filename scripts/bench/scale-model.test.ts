import { describe, expect, it } from 'vitest'
import { allocationCost, fitPoolSize, project, largestPool, leaseBytesPerSecond, relativeError, type CostConstants } from './scale-model.ts'

const c: CostConstants = { fixedBytes: 1000, bytesPerRecord: 100, reads: 3, otherWrites: 1, leaseBytes: 500, leaseRenewSeconds: 5 }

describe('allocationCost', () => {
  it('shares one pool read and write among the allocations a round carries', () => {
    const cost = allocationCost({ nodes: 10, records: 90, poolWatchers: 1, perWrite: 4 }, c)
    expect(cost.poolObjectBytes).toBe(10_000)
    expect(cost.poolWrites).toBe(0.25)
    expect(cost.requests).toBe(3 + 1 + 0.5)
    expect(cost.poolBytesIn).toBe(2500)
    expect(cost.poolWatchEvents).toBe(0.25)
    expect(cost.poolWatchBytes).toBe(2500)
    expect(cost.poolBytesOut).toBe(5000)
  })
  it('does not grow with nodes while only the leader watches pools', () => {
    const few = allocationCost({ nodes: 2, records: 5000, poolWatchers: 1, perWrite: 1 }, c)
    const many = allocationCost({ nodes: 5000, records: 5000, poolWatchers: 1, perWrite: 1 }, c)
    expect(many).toEqual(few)
  })
  it('grows with nodes x records when every node watches every pool', () => {
    const cost = allocationCost({ nodes: 5000, records: 5000, poolWatchers: 5000, perWrite: 1 }, c)
    expect(cost.poolWatchBytes).toBe(5000 * (1000 + 100 * 5000))
    expect(cost.poolWatchEvents).toBe(5000)
  })
  it('refuses a shape that makes no sense, naming the field', () => {
    expect(() => allocationCost({ nodes: 1, records: -1, poolWatchers: 1, perWrite: 1 }, c)).toThrow(/records must be a number >= 0/)
    expect(() => allocationCost({ nodes: 1, records: 1, poolWatchers: 1, perWrite: 0.5 }, c)).toThrow(/perWrite must be >= 1/)
    expect(() => allocationCost({ nodes: NaN, records: 1, poolWatchers: 1, perWrite: 1 }, c)).toThrow(/nodes/)
  })
})

describe('leaseBytesPerSecond', () => {
  it('is every replica receiving each renewal', () => {
    expect(leaseBytesPerSecond(5000, c)).toBe(500_000)
  })
})

describe('largestPool', () => {
  it('is the records that fit under the limit beside the fixed part', () => {
    expect(largestPool(1_572_864, { fixedBytes: 1000, bytesPerRecord: 100 })).toBe(15_718)
    expect(largestPool(500, { fixedBytes: 1000, bytesPerRecord: 100 })).toBe(0)
  })
  it('refuses a record of no size', () => {
    expect(() => largestPool(1000, { fixedBytes: 0, bytesPerRecord: 0 })).toThrow(/bytesPerRecord must be > 0/)
  })
})

describe('fitPoolSize', () => {
  it('finds the line through the measured sizes', () => {
    const fit = fitPoolSize([
      { records: 100, bytes: 12_000 },
      { records: 1000, bytes: 111_000 },
      { records: 5000, bytes: 551_000 },
    ])
    expect(fit.bytesPerRecord).toBeCloseTo(110, 6)
    expect(fit.fixedBytes).toBeCloseTo(1000, 4)
  })
  it('needs two different sizes', () => {
    expect(() => fitPoolSize([{ records: 1, bytes: 1 }])).toThrow(/two sizes or more/)
    expect(() =>
      fitPoolSize([
        { records: 1, bytes: 1 },
        { records: 1, bytes: 2 },
      ]),
    ).toThrow(/two different sizes/)
  })
})

describe('relativeError', () => {
  it('is the measured value over the model, less one', () => {
    expect(relativeError(108, 100)).toBeCloseTo(0.08)
    expect(relativeError(0, 0)).toBe(0)
    expect(relativeError(1, 0)).toBe(Infinity)
  })
})

describe('project', () => {
  it('gives every combination, leader-only and every node, with totals', () => {
    const rows = project({ nodes: 5000, allocations: 150_000, records: [100, 5000], perWrite: [1, 4] }, c)
    expect(rows).toHaveLength(8)
    const worst = rows.find((r) => r.poolWatchers === 5000 && r.records === 5000 && r.perWrite === 1)!
    expect(worst.bytesOutPerAlloc).toBe(5001 * 501_000)
    expect(worst.bytesOutTotal).toBe(5001 * 501_000 * 150_000)
    const leader = rows.find((r) => r.poolWatchers === 1 && r.records === 5000 && r.perWrite === 1)!
    expect(leader.bytesOutPerAlloc).toBe(2 * 501_000)
  })
})
