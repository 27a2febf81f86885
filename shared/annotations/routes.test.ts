import { describe, expect, it } from 'vitest'
import { refusal } from './refusal.testkit.ts'
import { parseRoutesAnnotation } from './routes.ts'

const K = 'invalid annotation ipam.spidernet.io/routes'

describe('parseRoutesAnnotation', () => {
  it.each([
    ['[{"dst":"10.0.0.0/16","gw":"10.6.0.1"}]', [{ dst: '10.0.0.0/16', gw: '10.6.0.1' }]],
    [
      '[{"dst":"10.0.0.0/16","gw":"10.6.0.1"},{"dst":"fd00::/64","gw":"fd00:6::1","x":1}]',
      [
        { dst: '10.0.0.0/16', gw: '10.6.0.1' },
        { dst: 'fd00::/64', gw: 'fd00:6::1' },
      ],
    ],
    ['[]', []],
    ['null', []],
    ['[{"Dst":"10.0.0.0/16","GW":"10.6.0.1"}]', [{ dst: '10.0.0.0/16', gw: '10.6.0.1' }]],
  ])('reads %s', (raw, want) => {
    expect(parseRoutesAnnotation(raw)).toEqual(want)
  })

  it.each([
    ['[{"dst":"","gw":"10.6.0.1"}]', `${K}: [0].dst: must not be empty`],
    ['[{"dst":"10.0.0.0/16","gw":""}]', `${K}: [0].gw: must not be empty`],
    ['[{"dst":"10.0.0.0/16"}]', `${K}: [0].gw: is required`],
    ['[{"dst":10,"gw":"10.6.0.1"}]', `${K}: [0].dst: must be a string`],
    ['{"dst":"10.0.0.0/16","gw":"10.6.0.1"}', `${K}: must be a JSON list`],
    ['[["10.0.0.0/16","10.6.0.1"]]', `${K}: [0]: must be a JSON object`],
    // Spiderpool's IsRouteWithoutIPVersion: a CIDR via an address of the same family. (The
    // fuzzer found such routes recorded in the SpiderEndpoint and answered to the plugin.)
    ['[{"dst":"10.0.0.0","gw":"10.6.0.1"}]', `${K}: invalid route format 'dst: 10.0.0.0, gw: 10.6.0.1'`],
    ['[{"dst":"10.0.0.0/16","gw":"gateway"}]', `${K}: invalid route format 'dst: 10.0.0.0/16, gw: gateway'`],
    ['[{"dst":"10.0.0.0/16","gw":"fd00::1"}]', `${K}: invalid route format 'dst: 10.0.0.0/16, gw: fd00::1'`],
    ['[{"dst":"10.0.0.0/16","gw":"10.6.0.1"},{"dst":"10.0.0.0/33","gw":"10.6.0.1"}]', `${K}: invalid route format 'dst: 10.0.0.0/33, gw: 10.6.0.1'`],
    ['[{"dst":"10.0.0.0/16","gw":"10.6.0.1/16"}]', `${K}: invalid route format 'dst: 10.0.0.0/16, gw: 10.6.0.1/16'`],
    ['[{"dst":"fd00::/64","gw":"10.6.0.1"}]', `${K}: invalid route format 'dst: fd00::/64, gw: 10.6.0.1'`],
  ])('refuses %s', (raw, message) => {
    expect(refusal(() => parseRoutesAnnotation(raw))).toEqual({ code: 'invalid-annotation', message })
  })
})
