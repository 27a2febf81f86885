import { loadAllYaml } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { IpamError } from '../../errors.ts'
import { SEED_POOLS_YAML, spiderpoolWrittenPool } from '../test-fixtures.ts'
import { parseSpiderIPPool } from './spider-ippool.ts'

const refusal = (input: unknown): IpamError => {
  try {
    parseSpiderIPPool(input)
  } catch (e) {
    if (e instanceof IpamError) return e
    throw e
  }
  throw new Error('expected a refusal')
}

const withSpec = (spec: Record<string, unknown>) => ({ metadata: { name: 'p' }, spec })

describe('parseSpiderIPPool', () => {
  it('reads the seed scenario pools as a user writes them', () => {
    const [p6, p7] = loadAllYaml(SEED_POOLS_YAML).map(parseSpiderIPPool)
    expect(p6).toEqual({
      apiVersion: 'spiderpool.spidernet.io/v2beta1',
      kind: 'SpiderIPPool',
      metadata: { name: 'test-ippool-6' },
      spec: {
        subnet: '10.6.0.0/16',
        ips: ['10.6.168.61-10.6.168.70'],
        gateway: '10.6.0.1',
        nodeAffinity: { matchLabels: { 'node-subnet': 'subnet-6' } },
        default: false,
        disable: false,
      },
      status: {},
    })
    expect(p7?.spec.nodeAffinity?.matchLabels).toEqual({ 'node-subnet': 'subnet-7' })
  })

  it('reads a pool as real Spiderpool leaves it, keeping unknown metadata', () => {
    const pool = parseSpiderIPPool(spiderpoolWrittenPool())
    expect(pool.spec.ipVersion).toBe(4)
    expect(pool.status).toEqual(spiderpoolWrittenPool().status)
    expect(pool.metadata.finalizers).toEqual(['spiderpool.spidernet.io'])
    expect(pool.metadata['managedFields']).toEqual(spiderpoolWrittenPool().metadata.managedFields)
  })

  it('reads every spec field', () => {
    const selector = {
      matchLabels: { a: 'b' },
      matchExpressions: [
        { key: 'k', operator: 'In', values: ['v'] },
        { key: 'k2', operator: 'DoesNotExist' },
      ],
    }
    const spec = {
      ipVersion: 6,
      subnet: 'fd00:6::/64',
      ips: ['fd00:6::10-fd00:6::20'],
      excludeIPs: ['fd00:6::15'],
      gateway: 'fd00:6::1',
      routes: [{ dst: 'fd00:7::/64', gw: 'fd00:6::1' }],
      podAffinity: selector,
      namespaceAffinity: selector,
      namespaceName: ['ns1'],
      nodeAffinity: selector,
      nodeName: ['node-1'],
      multusName: ['kube-system/macvlan-conf'],
      default: true,
      disable: true,
    }
    expect(parseSpiderIPPool(withSpec(spec)).spec).toEqual(spec)
  })

  it('drops unknown spec fields instead of refusing them, as the API server prunes them', () => {
    expect(parseSpiderIPPool(withSpec({ subnet: '10.0.0.0/24', future: 1 })).spec).not.toHaveProperty('future')
    // An older Spiderpool's spec.vlan: v1.2 has none, and neither do we.
    expect(parseSpiderIPPool(withSpec({ subnet: '10.0.0.0/24', vlan: 4094 })).spec).not.toHaveProperty('vlan')
  })

  it.each([
    ['ipVersion 5', { subnet: '10.0.0.0/24', ipVersion: 5 }, 'spec.ipVersion'],
    ['ipVersion as a string', { subnet: '10.0.0.0/24', ipVersion: '4' }, 'spec.ipVersion'],
    ['a missing subnet', { ips: ['10.0.0.1'] }, 'spec.subnet'],
    ['ips as a string', { subnet: '10.0.0.0/24', ips: '10.0.0.1' }, 'spec.ips'],
    ['a number in ips', { subnet: '10.0.0.0/24', ips: ['10.0.0.1', 7] }, 'spec.ips[1]'],
    ['a route without gw', { subnet: '10.0.0.0/24', routes: [{ dst: '10.1.0.0/16' }] }, 'spec.routes[0].gw'],
    ['default as a string', { subnet: '10.0.0.0/24', default: 'true' }, 'spec.default'],
    [
      'an unknown selector operator',
      { subnet: '10.0.0.0/24', nodeAffinity: { matchExpressions: [{ key: 'k', operator: 'Gt' }] } },
      'spec.nodeAffinity.matchExpressions[0].operator',
    ],
    ['a non-string label value', { subnet: '10.0.0.0/24', podAffinity: { matchLabels: { app: 1 } } }, 'spec.podAffinity.matchLabels.app'],
  ])('refuses %s, naming the kind, the pool and the path', (_, spec, path) => {
    const error = refusal(withSpec(spec))
    expect(error.code).toBe('invalid-resource')
    expect(error.message).toMatch(new RegExp(`^SpiderIPPool p: ${path.replace(/[.[\]]/g, '\\$&')}: `))
  })

  it('says what it expected', () => {
    expect(refusal(withSpec({ subnet: '10.0.0.0/24', ipVersion: 5 })).message).toBe(
      'SpiderIPPool p: spec.ipVersion: Invalid type: Expected (4 | 6) but received 5',
    )
  })

  it('lists every issue in details', () => {
    const error = refusal(withSpec({ ipVersion: 5 }))
    expect(error.details?.split('\n')).toHaveLength(2)
    expect(error.details).toContain('spec.subnet: ')
  })

  it('refuses malformed status counts', () => {
    const pool = { ...spiderpoolWrittenPool(), status: { allocatedIPCount: -1 } }
    expect(refusal(pool).message).toMatch(/^SpiderIPPool test-ippool-6: status\.allocatedIPCount: /)
    expect(refusal({ ...pool, status: { allocatedIPs: {} } }).message).toMatch(/status\.allocatedIPs: /)
  })

  it('refuses another kind instead of misreading it', () => {
    expect(refusal({ ...spiderpoolWrittenPool(), kind: 'SpiderSubnet' }).message).toMatch(/^SpiderIPPool test-ippool-6: kind: /)
    expect(refusal({ ...spiderpoolWrittenPool(), apiVersion: 'spiderpool.spidernet.io/v1' }).message).toMatch(/apiVersion/)
  })

  it('refuses a missing spec or name, and things that are not objects', () => {
    expect(refusal({ metadata: { name: 'p' } }).message).toMatch(/^SpiderIPPool p: spec: /)
    expect(refusal({ metadata: {}, spec: { subnet: '10.0.0.0/24' } }).message).toMatch(/^SpiderIPPool \(unnamed\): metadata\.name: /)
    expect(refusal('pool').message).toMatch(/^SpiderIPPool \(unnamed\): \(root\): /)
    expect(refusal(null).code).toBe('invalid-resource')
  })
})
