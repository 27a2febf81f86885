import { describe, expect, it } from 'vitest'
import { FINALIZER, serializeAllocatedIPs } from '../api/index.ts'
import { pool, subnet, TERMINATING } from '../reconcile/fixtures.testkit.ts'
import { POOL_ADDRESS_CAP } from './pool-size-cap.ts'
import { validateIPPool, type IPPoolAdmission } from './validate-ippool.ts'
import type { Verdict } from './verdict.ts'

const message = (verdict: Verdict): string | undefined => (verdict.allowed ? undefined : verdict.status.message)
const prefix = (name: string) => `SpiderIPPool.spiderpool.spidernet.io "${name}" is invalid: `

const create = (spec: Record<string, unknown>, context: Partial<IPPoolAdmission> = {}) =>
  message(validateIPPool({ operation: 'CREATE', pool: pool('p', spec), pools: [], subnets: [], ...context }))

describe('validateIPPool on CREATE: one object alone', () => {
  it.each([
    ['an IPv4 pool', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], gateway: '10.6.0.1' }],
    ['an IPv6 pool', { subnet: 'fd00:6::/64', ips: ['fd00:6::10-fd00:6::20'], gateway: 'fd00:6::1' }],
    ['no ips at all', { subnet: '10.6.0.0/16' }],
    ['the gateway in ips and excluded', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.9'], excludeIPs: ['10.6.0.1'], gateway: '10.6.0.1' }],
    ['a /31 and a /32', { subnet: '10.6.0.0/31', ips: ['10.6.0.0-10.6.0.1'] }],
    ['a /127', { subnet: 'fd00::/127', ips: ['fd00::-fd00::1'] }],
    [
      'routes',
      {
        subnet: '10.6.0.0/16',
        routes: [
          { dst: '10.7.0.0/16', gw: '10.6.0.1' },
          { dst: '10.8.0.0/16', gw: '10.6.0.1' },
        ],
      },
    ],
    ['IPv6 routes', { subnet: 'fd00:6::/64', routes: [{ dst: 'fd00:7::/64', gw: 'fd00:6::1' }] }],
    ['a podAffinity', { subnet: '10.6.0.0/16', podAffinity: { matchLabels: { app: 'a' } } }],
    ['a podAffinity expression', { subnet: '10.6.0.0/16', podAffinity: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } }],
    ['ipVersion omitted (derived)', { subnet: 'fd00:6::/64', ips: ['fd00:6::10'] }],
    ['exactly the cap', { subnet: '10.0.0.0/8', ips: [`10.0.0.1-10.0.${Math.floor(POOL_ADDRESS_CAP[4] / 256)}.${POOL_ADDRESS_CAP[4] % 256}`] }],
  ])('admits %s', (_, spec) => {
    expect(create(spec)).toBeUndefined()
  })

  it.each([
    [
      'a non-canonical subnet',
      { subnet: '10.6.0.1/16' },
      'spec.subnet: Invalid value: "10.6.0.1/16": unformatted subnet 10.6.0.1/16, please change it to 10.6.0.0/16',
    ],
    [
      'a non-canonical IPv6 subnet',
      { subnet: 'FD00:6::/64' },
      'spec.subnet: Invalid value: "FD00:6::/64": unformatted subnet FD00:6::/64, please change it to fd00:6::/64',
    ],
    [
      'a subnet of the other family',
      { ipVersion: 4, subnet: 'fd00:6::/64' },
      `spec.subnet: Invalid value: "fd00:6::/64": invalid CIDR format in IPv4 'fd00:6::/64'`,
    ],
    ['a subnet that is no CIDR', { subnet: '10.6.0.0' }, `spec.ipVersion: Invalid value: "null": is not generated correctly, 'spec.subnet' may be invalid`],
    [
      'a subnet with a bad prefix',
      { ipVersion: 4, subnet: '10.6.0.0/33' },
      `spec.subnet: Invalid value: "10.6.0.0/33": invalid CIDR format in IPv4 '10.6.0.0/33'`,
    ],
    [
      'an entry outside the subnet',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1', '10.7.0.1'] },
      `spec.ips[1]: Invalid value: "10.7.0.1": not pertains to the 'spec.subnet' 10.6.0.0/16 of IPPool`,
    ],
    [
      'a range running out of the subnet',
      { subnet: 'fd00:6::/64', ips: ['fd00:6::ffff:ffff:ffff:0-fd00:7::'] },
      `spec.ips[0]: Invalid value: "fd00:6::ffff:ffff:ffff:0-fd00:7::": not pertains to the 'spec.subnet' fd00:6::/64 of IPPool`,
    ],
    [
      'a reversed range',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.9-10.6.0.1'] },
      `spec.ips[0]: Invalid value: "10.6.0.9-10.6.0.1": invalid IP range format in IPv4 '10.6.0.9-10.6.0.1'`,
    ],
    [
      'an entry of the other family',
      { subnet: '10.6.0.0/16', ips: ['fd00::1'] },
      `spec.ips[0]: Invalid value: "fd00::1": invalid IP range format in IPv4 'fd00::1'`,
    ],
    [
      'spaces around the dash',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1 - 10.6.0.9'] },
      `spec.ips[0]: Invalid value: "10.6.0.1 - 10.6.0.9": invalid IP range format in IPv4 '10.6.0.1 - 10.6.0.9'`,
    ],
    [
      'overlapping entries',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.9', '10.6.0.9'] },
      `spec.ips[1]: Invalid value: "10.6.0.9": overlaps with 'spec.ips[0]' 10.6.0.1-10.6.0.9`,
    ],
    [
      'an excluded entry outside the subnet',
      { subnet: 'fd00:6::/64', excludeIPs: ['fd00:7::1'] },
      `spec.excludeIPs[0]: Invalid value: "fd00:7::1": not pertains to the 'spec.subnet' fd00:6::/64 of IPPool`,
    ],
    [
      'a gateway outside the subnet',
      { subnet: '10.6.0.0/16', gateway: '10.7.0.1' },
      `spec.gateway: Invalid value: "10.7.0.1": not pertains to the 'spec.subnet' 10.6.0.0/16 of IPPool`,
    ],
    [
      'a gateway of the other family',
      { subnet: '10.6.0.0/16', gateway: 'fd00::1' },
      `spec.gateway: Invalid value: "fd00::1": invalid IP format in IPv4 'fd00::1'`,
    ],
    [
      'a gateway handed out',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.5', '10.6.0.1-10.6.0.3'], gateway: '10.6.0.1' },
      `spec.ips[1]: Invalid value: "10.6.0.1-10.6.0.3": conflicts with 'spec.gateway' 10.6.0.1, add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'`,
    ],
    [
      'an IPv6 gateway handed out',
      { subnet: 'fd00:6::/64', ips: ['fd00:6::1-fd00:6::ff'], gateway: 'fd00:6::1' },
      `spec.ips[0]: Invalid value: "fd00:6::1-fd00:6::ff": conflicts with 'spec.gateway' fd00:6::1, add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'`,
    ],
    [
      'a default route',
      { subnet: '10.6.0.0/16', routes: [{ dst: '0.0.0.0/0', gw: '10.6.0.1' }] },
      `spec.routes[0].dst: Invalid value: "0.0.0.0/0": please specify 'spec.gateway' to configure the default route`,
    ],
    [
      'an IPv6 default route',
      { subnet: 'fd00:6::/64', routes: [{ dst: '::/0', gw: 'fd00:6::1' }] },
      `spec.routes[0].dst: Invalid value: "::/0": please specify 'spec.gateway' to configure the default route`,
    ],
    [
      'two routes to one dst',
      {
        subnet: '10.6.0.0/16',
        routes: [
          { dst: '10.7.0.0/16', gw: '10.6.0.1' },
          { dst: '10.7.0.0/16', gw: '10.6.0.2' },
        ],
      },
      `spec.routes[1].dst: Invalid value: "10.7.0.0/16": duplicate route with the same dst`,
    ],
    [
      'a route dst of the other family',
      { subnet: '10.6.0.0/16', routes: [{ dst: 'fd00:7::/64', gw: '10.6.0.1' }] },
      `spec.routes[0].dst: Invalid value: "fd00:7::/64": invalid CIDR format in IPv4 'fd00:7::/64'`,
    ],
    [
      'a route gw outside the subnet',
      { subnet: 'fd00:6::/64', routes: [{ dst: 'fd00:7::/64', gw: 'fd00:8::1' }] },
      `spec.routes[0].gw: Invalid value: "fd00:8::1": not pertains to the 'spec.subnet' fd00:6::/64 of IPPool`,
    ],
    ['an empty podAffinity', { subnet: '10.6.0.0/16', podAffinity: {} }, 'spec.podAffinity: Invalid value: {}: empty podAffinity is invalid for SpiderIPPool'],
    [
      'In without values',
      { subnet: '10.6.0.0/16', podAffinity: { matchExpressions: [{ key: 'a', operator: 'In' }] } },
      "spec.podAffinity.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ],
    [
      'Exists with values',
      { subnet: '10.6.0.0/16', podAffinity: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } },
      "spec.podAffinity.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(create(spec)).toBe(prefix('p') + expected)
  })

  it('lists every error Spiderpool collects at once: the spec and the podAffinity', () => {
    expect(create({ subnet: '10.6.0.0/16', gateway: '10.7.0.1', podAffinity: {} })).toBe(
      `${prefix('p')}[spec.gateway: Invalid value: "10.7.0.1": not pertains to the 'spec.subnet' 10.6.0.0/16 of IPPool, spec.podAffinity: Invalid value: {}: empty podAffinity is invalid for SpiderIPPool]`,
    )
  })

  it.each([
    [4, '10.0.0.0/8', ['10.0.0.0-10.255.255.255'], '16777216'],
    [4, '10.0.0.0/8', [`10.0.0.1-10.0.${Math.floor((POOL_ADDRESS_CAP[4] + 1) / 256)}.${(POOL_ADDRESS_CAP[4] + 1) % 256}`], String(POOL_ADDRESS_CAP[4] + 1)],
    [6, 'fd00:6::/64', ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'], '18446744073709551616'],
    [6, 'fd00::/8', ['fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'], String(2n ** 120n)],
  ] as const)('refuses more IPv%s addresses than a status can record: %s %j', (family, cidr, ips, count) => {
    const started = performance.now()
    const heap = process.memoryUsage().heapUsed
    expect(create({ subnet: cidr, ips })).toBe(
      `${prefix('p')}spec.ips: Forbidden: ${count} IP addresses are more than the ${POOL_ADDRESS_CAP[family]} an IPv${family} SpiderIPPool can record (its status must fit in etcd's 1.5 MiB request limit), split them over several IPPools`,
    )
    // Ranges are never expanded: a /8 of IPv6 is decided in about the time and memory of a /30.
    expect(performance.now() - started).toBeLessThan(50)
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(8 * 1024 * 1024)
  })

  it('excluded addresses do not count towards the cap', () => {
    expect(
      create({ subnet: 'fd00:6::/64', ips: ['fd00:6::-fd00:6::ffff:ffff:ffff:ffff'], excludeIPs: ['fd00:6::100-fd00:6::ffff:ffff:ffff:ffff'] }),
    ).toBeUndefined()
  })
})

describe('validateIPPool on CREATE: against the other pools and subnets', () => {
  const others = [
    pool('a', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], excludeIPs: ['10.6.0.15'] }),
    pool('b', { subnet: 'fd00:6::/64', ips: ['fd00:6::10-fd00:6::20'] }),
    pool('legacy', { subnet: '10.9.0.0/24', ips: ['10.9.1.1'] }), // admitted before the webhooks: compared as read
  ]
  const subnets = [subnet('s6', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.100'], excludeIPs: ['10.6.0.50'] })]

  it.each([
    ['the same subnet, other addresses', { subnet: '10.6.0.0/16', ips: ['10.6.0.21-10.6.0.30'] }],
    ['an address another pool excludes', { subnet: '10.6.0.0/16', ips: ['10.6.0.15'] }],
    ['the same IPv6 subnet, other addresses', { subnet: 'fd00:6::/64', ips: ['fd00:6::21-fd00:6::30'] }],
    ['a disjoint subnet', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }],
    ['the IPv4 twin of an IPv6 pool', { subnet: '10.6.0.0/16', ips: ['10.6.0.30'] }],
    ['a pool of the same name (the API server answers AlreadyExists)', { subnet: '10.7.0.0/16' }, 'a'],
  ])('admits %s', (_, spec, name = 'p') => {
    expect(message(validateIPPool({ operation: 'CREATE', pool: pool(name, spec), pools: others, subnets }))).toBeUndefined()
  })

  it.each([
    [
      'a wider subnet over a pool',
      { subnet: '10.0.0.0/8' },
      `spec.subnet: Invalid value: "10.0.0.0/8": overlap with IPPool a which 'spec.subnet' is 10.6.0.0/16`,
    ],
    [
      'a narrower IPv6 subnet inside a pool',
      { subnet: 'fd00:6::/96' },
      `spec.subnet: Invalid value: "fd00:6::/96": overlap with IPPool b which 'spec.subnet' is fd00:6::/64`,
    ],
    [
      'shared addresses',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.12', '10.6.0.14-10.6.0.16'] },
      `spec.ips: Forbidden: overlap with IPPool a in IP ranges [10.6.0.10-10.6.0.12 10.6.0.14 10.6.0.16], total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
    [
      'shared IPv6 addresses',
      { subnet: 'fd00:6::/64', ips: ['fd00:6::20-fd00:6::30'] },
      `spec.ips: Forbidden: overlap with IPPool b in IP ranges [fd00:6::20], total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
    [
      'addresses outside its SpiderSubnet',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.45-10.6.0.55', '10.6.0.99-10.6.0.101'] },
      `spec.ips: Forbidden: add some IP ranges [10.6.0.50 10.6.0.101] that are not contained in controller Subnet s6, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(message(validateIPPool({ operation: 'CREATE', pool: pool('p', spec), pools: others, subnets }))).toBe(prefix('p') + expected)
  })
})

describe('validateIPPool on UPDATE', () => {
  const records = serializeAllocatedIPs({
    '10.6.0.12': { pod: 'ns/web-0', podUid: 'u0' },
    'fd00:6::12': { pod: 'ns/web-6', podUid: 'u6' },
  })
  const stored = pool('p', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], gateway: '10.6.0.1' }, { status: { allocatedIPs: records } })
  const update = (spec: Record<string, unknown>, metadata = {}) =>
    message(validateIPPool({ operation: 'UPDATE', oldPool: stored, pool: pool('p', spec, { metadata }), pools: [stored], subnets: [] }))

  it.each([
    ['growing', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.30'] }],
    ['shrinking around the address in use', { subnet: '10.6.0.0/16', ips: ['10.6.0.11-10.6.0.13'] }],
    ['excluding a free address', { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], excludeIPs: ['10.6.0.11'] }],
    ['ipVersion written out', { ipVersion: 4, subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'] }],
  ])('admits %s', (_, spec) => {
    expect(update(spec)).toBeUndefined()
  })

  it.each([
    ['a new subnet', { subnet: '10.7.0.0/16' }, 'spec.subnet: Forbidden: is not changeable'],
    ['a new ipVersion', { ipVersion: 6, subnet: '10.6.0.0/16' }, 'spec.ipVersion: Forbidden: is not changeable'],
    [
      'removing an address in use',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.13-10.6.0.20'] },
      `spec.ips: Forbidden: remove an IP address 10.6.0.12 that is being used by Pod ns/web-0, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
    [
      'excluding an address in use',
      { subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], excludeIPs: ['10.6.0.12'] },
      `spec.ips: Forbidden: remove an IP address 10.6.0.12 that is being used by Pod ns/web-0, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(update(spec)).toBe(prefix('p') + expected)
  })

  it('refuses removing an IPv6 address in use, naming its pod', () => {
    const v6 = pool('q', { subnet: 'fd00:6::/64', ips: ['fd00:6::10-fd00:6::20'] }, { status: { allocatedIPs: records } })
    const verdict = validateIPPool({
      operation: 'UPDATE',
      oldPool: v6,
      pool: pool('q', { subnet: 'fd00:6::/64', ips: ['fd00:6::13-fd00:6::20'] }),
      pools: [],
      subnets: [],
    })
    expect(message(verdict)).toBe(
      `${prefix('q')}spec.ips: Forbidden: remove an IP address fd00:6::12 that is being used by Pod ns/web-6, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    )
  })

  it('refuses any update to a terminating pool that still has its finalizer, and lets the finalizer go', () => {
    const terminating = { deletionTimestamp: TERMINATING, finalizers: [FINALIZER] }
    expect(update({ subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], gateway: '10.6.0.1' }, terminating)).toBe(
      'forbidden: cannot update a terminating IPPool',
    )
    expect(
      update({ subnet: '10.6.0.0/16', ips: ['10.6.0.10-10.6.0.20'], gateway: '10.6.0.1' }, { deletionTimestamp: TERMINATING, finalizers: [] }),
    ).toBeUndefined()
  })

  it('does not judge a spec again when only metadata changes (a legacy pool gets its finalizer)', () => {
    const legacy = pool('p', { subnet: '10.6.0.1/16', ips: ['10.7.0.1'] }, { metadata: { finalizers: [] } })
    const verdict = validateIPPool({
      operation: 'UPDATE',
      oldPool: legacy,
      pool: pool('p', { subnet: '10.6.0.1/16', ips: ['10.7.0.1'] }),
      pools: [legacy],
      subnets: [],
    })
    expect(verdict).toEqual({ allowed: true })
  })

  it('answers 422 with one cause per field error, as apierrors.NewInvalid does', () => {
    const verdict = validateIPPool({ operation: 'UPDATE', oldPool: stored, pool: pool('p', { subnet: '10.7.0.0/16' }), pools: [], subnets: [] })
    expect(verdict).toEqual({
      allowed: false,
      status: {
        code: 422,
        reason: 'Invalid',
        message: `${prefix('p')}spec.subnet: Forbidden: is not changeable`,
        details: {
          name: 'p',
          group: 'spiderpool.spidernet.io',
          kind: 'SpiderIPPool',
          causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: is not changeable', field: 'spec.subnet' }],
        },
      },
    })
  })
})

describe('validateIPPool: auto pools', () => {
  const labels = { 'ipam.spidernet.io/owner-application-name': 'web', 'ipam.spidernet.io/owner-application-kind': 'Deployment' }
  const reserving = (ips: string[]) =>
    subnet(
      's',
      { ips: ['10.6.0.1-10.6.0.100'] },
      { status: { controlledIPPools: JSON.stringify({ auto: { ips, application: 'apps_v1_Deployment_default_web' } }) } },
    )
  const auto = (spec: Record<string, unknown>) => pool('auto', spec, { metadata: { labels } })
  const judge = (operation: 'CREATE' | 'UPDATE', spec: Record<string, unknown>, reserved: string[], byService: boolean, old?: Record<string, unknown>) =>
    message(validateIPPool({ operation, pool: auto(spec), ...(old ? { oldPool: auto(old) } : {}), pools: [], subnets: [reserving(reserved)], byService }))
  const ILLEGAL = `${prefix('auto')}spec.ips: Forbidden: it's illegal to update AutoPool.Spec.IPs that are different from corresponding SpiderSubnet.Status.ControlledIPPools`

  it('admits a pool made with what its subnet reserves, and refuses one that takes more', () => {
    expect(judge('CREATE', { ips: ['10.6.0.1-10.6.0.3'] }, ['10.6.0.1-10.6.0.3'], true)).toBeUndefined()
    expect(judge('CREATE', { ips: ['10.6.0.1-10.6.0.4'] }, ['10.6.0.1-10.6.0.3'], true)).toBe(
      `${prefix('auto')}spec.ips: Forbidden: add IP ranges [10.6.0.4] that SpiderSubnet s does not reserve for auto-created IPPool auto in its status.controlledIPPools`,
    )
    expect(judge('CREATE', { ips: ['10.6.0.1'] }, [], false)).toBe(ILLEGAL)
  })

  it('refuses a user who changes its addresses, adding or removing', () => {
    const old = { ips: ['10.6.0.1-10.6.0.3'] }
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.4'] }, ['10.6.0.1-10.6.0.3'], false, old)).toBe(ILLEGAL)
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.2'] }, ['10.6.0.1-10.6.0.3'], false, old)).toBe(ILLEGAL)
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.3'], excludeIPs: ['10.6.0.3'] }, ['10.6.0.1-10.6.0.3'], false, old)).toBe(ILLEGAL)
  })

  it('lets a user change what leaves its addresses as they are, or set them to what the subnet reserves', () => {
    const old = { ips: ['10.6.0.1-10.6.0.3'] }
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.3'], gateway: '10.6.0.200' }, ['10.6.0.1-10.6.0.2'], false, old)).toBeUndefined()
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.4'] }, ['10.6.0.1-10.6.0.4'], false, old)).toBeUndefined()
  })

  it('lets the service shrink it by excluding what the subnet still reserves, never grow past it', () => {
    const old = { ips: ['10.6.0.1-10.6.0.3'] }
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.3'], excludeIPs: ['10.6.0.3'] }, ['10.6.0.1-10.6.0.3'], true, old)).toBeUndefined()
    expect(judge('UPDATE', { ips: ['10.6.0.1-10.6.0.4'] }, ['10.6.0.1-10.6.0.3'], true, old)).toMatch(/add IP ranges \[10\.6\.0\.4\]/)
  })

  it('leaves pools without owner labels to the other rules', () => {
    const manual = pool('manual', { ips: ['10.6.0.50'] })
    expect(message(validateIPPool({ operation: 'CREATE', pool: manual, pools: [], subnets: [reserving([])] }))).toBeUndefined()
  })
})
