import { describe, expect, it } from 'vitest'
import { metricsDelta } from './apiserver.ts'
describe('metricsDelta', () => {
  it('subtracts per sample, counting new samples from 0', () => {
    const d = metricsDelta(
      new Map([
        ['a', 1],
        ['b', 5],
      ]),
      new Map([
        ['a', 4],
        ['b', 5],
        ['c', 2],
      ]),
    )
    expect([...d]).toEqual([
      ['a', 3],
      ['b', 0],
      ['c', 2],
    ])
  })
})
