import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { SPIDERPOOL_ALLOCATED_IPS } from '../test-fixtures.ts'
import { parseAllocatedIPs, serializeAllocatedIPs, type AllocatedIPs } from './allocated-ips.ts'

const refusal = (json: string): IpamError => {
  try {
    parseAllocatedIPs(json, 'pool-a')
  } catch (e) {
    if (e instanceof IpamError) return e
    throw e
  }
  throw new Error('expected a refusal')
}

const recordArb = fc.record(
  {
    interface: fc.constantFrom('eth0', 'net1'),
    pod: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)).map(([ns, name]) => `${ns}/${name}`),
    podUid: fc.uuid(),
  },
  { requiredKeys: ['pod', 'podUid'] },
)
const allocationsArb: fc.Arbitrary<AllocatedIPs> = fc.dictionary(fc.oneof(fc.ipV4(), fc.ipV6()), recordArb)

describe('parseAllocatedIPs', () => {
  it('reads what Spiderpool writes', () => {
    expect(parseAllocatedIPs(SPIDERPOOL_ALLOCATED_IPS, 'test-ippool-6')).toEqual({
      '10.6.168.61': { pod: 'default/test-app-nkq5h', podUid: '0f1b1c56-4a8e-4f0c-9a53-3a1b2f7d9c01' },
      '10.6.168.65': { pod: 'default/test-app-j9ftl', podUid: '8d2c7a3e-51f4-4b1e-8f7a-2c9d0e6b4a12' },
    })
  })

  it('reads the interface that later Spiderpool versions add, and drops fields it does not know', () => {
    const json = '{"10.0.0.1":{"interface":"net1","pod":"ns/a","podUid":"u","node":"n1"}}'
    expect(parseAllocatedIPs(json, 'p')).toEqual({ '10.0.0.1': { interface: 'net1', pod: 'ns/a', podUid: 'u' } })
  })

  it.each([undefined, '', '  ', 'null', '{}'])('reads %j as no allocations', (json) => {
    expect(parseAllocatedIPs(json, 'p')).toEqual({})
  })

  it('refuses JSON that does not parse, naming the pool and the field', () => {
    const error = refusal('{"10.0.0.1":')
    expect(error.code).toBe('invalid-resource')
    expect(error.message).toMatch(/^SpiderIPPool pool-a: status\.allocatedIPs: not valid JSON: /)
  })

  it.each([
    ['[]', '(root)'],
    ['"x"', '(root)'],
    ['{"10.0.0.1":{"pod":"ns/a"}}', '["10.0.0.1"].podUid'],
    ['{"10.0.0.1":{"pod":"ns/a","podUid":7}}', '["10.0.0.1"].podUid'],
    ['{"10.0.0.1":"ns/a"}', '["10.0.0.1"]'],
  ])('refuses %s at %s', (json, path) => {
    expect(refusal(json).message.startsWith(`SpiderIPPool pool-a: status.allocatedIPs: ${path}: `)).toBe(true)
  })
})

describe('serializeAllocatedIPs', () => {
  it('writes byte for byte what Spiderpool writes for the same state', () => {
    expect(serializeAllocatedIPs(parseAllocatedIPs(SPIDERPOOL_ALLOCATED_IPS, 'p'))).toBe(SPIDERPOOL_ALLOCATED_IPS)
  })

  it('omits the field when there are no allocations', () => {
    expect(serializeAllocatedIPs({})).toBeUndefined()
  })

  it('sorts IPs lexically, like Go maps', () => {
    const json = serializeAllocatedIPs({
      '10.0.0.2': { pod: 'a/b', podUid: '2' },
      '10.0.0.10': { pod: 'a/b', podUid: '10' },
    })
    expect(json).toBe('{"10.0.0.10":{"pod":"a/b","podUid":"10"},"10.0.0.2":{"pod":"a/b","podUid":"2"}}')
  })

  it('round-trips: parse(serialize(x)) equals x', () => {
    fc.assert(
      fc.property(allocationsArb, (allocations) => {
        expect(parseAllocatedIPs(serializeAllocatedIPs(allocations), 'p')).toEqual(allocations)
      }),
    )
  })

  it('is deterministic under key and field order', () => {
    fc.assert(
      fc.property(allocationsArb, fc.integer(), (allocations, seed) => {
        const entries = Object.entries(allocations)
        const shuffled = entries
          .map((entry, i) => ({ entry, key: (i * 2654435761 + seed) % 1000003 }))
          .sort((a, b) => a.key - b.key)
          .map(({ entry: [ip, r] }) => {
            const reordered = { podUid: r.podUid, pod: r.pod }
            return [ip, r.interface === undefined ? reordered : { ...reordered, interface: r.interface }] as const
          })
        expect(serializeAllocatedIPs(Object.fromEntries(shuffled))).toBe(serializeAllocatedIPs(allocations))
      }),
    )
  })

  it('is a fixed point: serialize(parse(s)) is s for any s it wrote', () => {
    fc.assert(
      fc.property(allocationsArb, (allocations) => {
        const json = serializeAllocatedIPs(allocations)
        expect(serializeAllocatedIPs(parseAllocatedIPs(json, 'p'))).toBe(json)
      }),
    )
  })
})

describe('parseAllocatedIPs on large pools', () => {
  const large = (n: number, uid: string): string => {
    const records: AllocatedIPs = {}
    for (let i = 0; i < n; i++) records[`198.18.${i >> 8}.${i & 255}`] = { pod: `ns/p-${i}`, podUid: `${uid}-${i}` }
    return serializeAllocatedIPs(records) ?? ''
  }

  it('decodes a string it decoded a moment ago once, and every other string anew', () => {
    const a = large(200, 'a')
    const first = parseAllocatedIPs(a, 'p')
    // An equal string that is another object (a watch event of the pool just written) is a hit too.
    expect(parseAllocatedIPs(`${a} `.trimEnd(), 'p')).toBe(first)
    const b = large(200, 'b')
    expect(parseAllocatedIPs(b, 'p')['198.18.0.1']?.podUid).toBe('b-1')
    expect(parseAllocatedIPs(a, 'p')['198.18.0.1']?.podUid).toBe('a-1')
  })

  it('refuses a malformed large string every time it is asked', () => {
    const broken = large(200, 'c').replace('"podUid"', '"podUID"')
    expect(() => parseAllocatedIPs(broken, 'p')).toThrow(IpamError)
    expect(() => parseAllocatedIPs(broken, 'p')).toThrow(IpamError)
  })
})
