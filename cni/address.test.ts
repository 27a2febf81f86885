import { describe, expect, it } from 'vitest'
import { parseCidr, parseIp } from './address.ts'

describe('parseCidr', () => {
  it.each([
    ['10.6.168.65/16', 4, '10.6.168.65/16'],
    ['10.0.0.0/0', 4, '10.0.0.0/0'],
    ['198.18.0.1/31', 4, '198.18.0.1/31'],
    ['198.18.0.1/32', 4, '198.18.0.1/32'],
    ['fd00:0:0:0:0:0:0:1/64', 6, 'fd00::1/64'],
    ['FD00::A/127', 6, 'fd00::a/127'],
    ['::/0', 6, '::/0'],
    ['fd00::1/128', 6, 'fd00::1/128'],
  ])('reads %s as IPv%i %s', (text, family, canonical) => {
    expect(parseCidr(text)).toEqual({ family, text: canonical })
  })

  it.each(['10.6.168.65', '10.1/8', '10.0.0.1/33', 'fd00::1/129', '10.0.0.1/', '/24', '10.0.0.1/-1', '10.0.0.1/0x10', 'x/8'])('refuses %s', (text) => {
    expect(parseCidr(text)).toBeUndefined()
  })
})

describe('parseIp', () => {
  it.each([
    ['10.6.0.1', 4],
    ['fd00:10:6::1', 6],
  ])('reads %s', (text, family) => {
    expect(parseIp(text)?.family).toBe(family)
  })

  it.each(['10.6.0', '0x0a.6.0.1', '10.6.0.1/16', '', 'fd00:::1'])('refuses %s', (text) => {
    expect(parseIp(text)).toBeUndefined()
  })
})
