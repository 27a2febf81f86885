import { loadAllYaml } from '@kubernetes/client-node'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toYaml } from './to-yaml.ts'

describe('toYaml', () => {
  it("writes block YAML with sequences at their key's indentation", () => {
    expect(toYaml({ a: { b: [1, { c: 'd', e: [] }], f: {} } })).toBe('a:\n  b:\n  - 1\n  - c: d\n    e: []\n  f: {}\n')
  })

  it.each(['yes', 'No', 'on', 'null', 'true', '4', '0x1f', '1e3', '.inf', '', ' x', 'x ', 'a: b', 'a #b', '- x', '*x', '"q"', "'q'", '\n'])(
    'quotes %j so that it stays a string',
    (text) => {
      expect(loadAllYaml(toYaml({ text }))).toEqual([{ text }])
    },
  )

  it('leaves plain words plain', () => {
    expect(toYaml({ type: 'string', kind: 'SpiderIPPool', name: 'spiderippools.spiderpool.spidernet.io' })).toBe(
      'type: string\nkind: SpiderIPPool\nname: spiderippools.spiderpool.spidernet.io\n',
    )
  })

  it('writes any JSON document so that a YAML reader reads it back unchanged', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary' }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('object')),
        tie('object'),
      ),
      object: fc.dictionary(
        fc.string({ unit: 'binary' }).filter((k) => k !== '__proto__'),
        tie('value'),
        { maxKeys: 4 },
      ),
    })).object
    fc.assert(
      fc.property(json, (document) => {
        expect(loadAllYaml(toYaml({ document }))).toEqual([{ document }])
      }),
    )
  })
})
