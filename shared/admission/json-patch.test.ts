import { describe, expect, it } from 'vitest'
import { patchFields, pointer } from './json-patch.ts'

describe('pointer', () => {
  it('escapes ~ and / inside a segment (RFC 6901)', () => {
    expect(pointer(['metadata', 'labels', 'ipam.spidernet.io/ippool-cidr'])).toBe('/metadata/labels/ipam.spidernet.io~1ippool-cidr')
    expect(pointer(['a~b'])).toBe('/a~0b')
  })
})

describe('patchFields', () => {
  const object = { metadata: { name: 'p', labels: { a: '1' } }, spec: { subnet: '10.6.0.0/16', ips: ['10.6.0.2', '10.6.0.1'] } }

  it.each([
    ['nothing to change', [[['spec', 'subnet'], '10.6.0.0/16']], []],
    ['a new field', [[['spec', 'ipVersion'], 4]], [{ op: 'add', path: '/spec/ipVersion', value: 4 }]],
    ['a changed field (add replaces)', [[['spec', 'ips'], ['10.6.0.1-10.6.0.2']]], [{ op: 'add', path: '/spec/ips', value: ['10.6.0.1-10.6.0.2'] }]],
    ['equal maps in another key order', [[['metadata', 'labels'], { a: '1' }]], []],
    ['a field to drop', [[['metadata', 'labels'], undefined]], [{ op: 'remove', path: '/metadata/labels' }]],
    ['an absent field left absent', [[['metadata', 'finalizers'], undefined]], []],
    [
      'a missing parent',
      [
        [['status', 'x'], 1],
        [['status', 'y'], 2],
      ],
      [
        { op: 'add', path: '/status', value: { x: 1 } },
        { op: 'add', path: '/status/y', value: 2 },
      ],
    ],
  ] as const)('%s', (_, wanted, expected) => {
    expect(patchFields(object, wanted as never)).toEqual(expected)
  })

  it('leaves the object it was given untouched', () => {
    const copy = structuredClone(object)
    patchFields(object, [[['spec', 'ipVersion'], 4]])
    expect(object).toEqual(copy)
  })
})
