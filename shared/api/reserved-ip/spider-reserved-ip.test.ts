import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { parseSpiderReservedIP } from './spider-reserved-ip.ts'

describe('parseSpiderReservedIP', () => {
  it('reads a reserved-IP object', () => {
    const input = {
      apiVersion: 'spiderpool.spidernet.io/v2beta1',
      kind: 'SpiderReservedIP',
      metadata: { name: 'gateways' },
      spec: { ipVersion: 4, ips: ['10.6.168.70', '10.7.168.61-10.7.168.62'] },
    }
    expect(parseSpiderReservedIP(input)).toEqual(input)
  })

  it('reads a missing spec as an empty one', () => {
    expect(parseSpiderReservedIP({ metadata: { name: 'r' } }).spec).toEqual({})
  })

  it.each([
    [{ ipVersion: 5 }, 'SpiderReservedIP r: spec.ipVersion: '],
    [{ ips: [1] }, 'SpiderReservedIP r: spec.ips[0]: '],
  ])('refuses %j', (spec, prefix) => {
    expect(() => parseSpiderReservedIP({ metadata: { name: 'r' }, spec })).toThrow(IpamError)
    expect(() => parseSpiderReservedIP({ metadata: { name: 'r' }, spec })).toThrow(prefix)
  })
})
