import { describe, expect, it } from 'vitest'
import { LABEL, parseControlledIPPools, type SpiderIPPool } from '../api/index.ts'
import { parseIpRanges } from '../ip/index.ts'
import { autoPool, db, intentOf, subnet9, want4, web } from './fixtures.testkit.ts'
import { planAutoPool, type AutoPoolStep, type PlanInput } from './plan.ts'

const WEB = 'apps_v1_Deployment_default_web'
const DB = 'apps_v1_StatefulSet_default_db'
const NAME = 'auto4-web-eth0-55555'

const plan = (input: Partial<PlanInput> & Pick<PlanInput, 'subnet'>): AutoPoolStep =>
  planAutoPool({ app: web, want: want4, intent: intentOf(2), pool: undefined, pools: input.pool ? [input.pool] : [], reserved: [], ...input })

/** The entries a write-subnet step writes, and its counts. */
const written = (step: AutoPoolStep) => {
  if (step.kind !== 'write-subnet') throw new Error(`expected write-subnet, got ${JSON.stringify(step)}`)
  return {
    entries: parseControlledIPPools(step.status.controlledIPPools, 'subnet-9'),
    allocated: step.status.allocatedIPCount,
    total: step.status.totalIPCount,
  }
}
const updated = (step: AutoPoolStep): SpiderIPPool => {
  if (step.kind !== 'update-pool') throw new Error(`expected update-pool, got ${JSON.stringify(step)}`)
  return step.pool
}

describe('planAutoPool: a new pool', () => {
  it('reserves the lowest free IPs of the subnet first, skipping excluded, reserved, other entries and other pools', () => {
    const other = { ...autoPool(db, ['10.9.0.4'], { name: 'manual' }), metadata: { name: 'manual', labels: {} } }
    const subnet = subnet9({ 'auto4-db-eth0-eeeee': { ips: ['10.9.0.2'], application: DB } }, { excludeIPs: ['10.9.0.1'] })
    const step = plan({ subnet, pools: [other], reserved: parseIpRanges(['10.9.0.3']), intent: intentOf(3) })
    expect(written(step)).toEqual({
      entries: { 'auto4-db-eth0-eeeee': { ips: ['10.9.0.2'], application: DB }, [NAME]: { ips: ['10.9.0.5-10.9.0.7'], application: WEB } },
      allocated: 4,
      total: 19,
    })
  })

  it('skips the addresses another pool holds in records outside its ips', () => {
    const other = { ...autoPool(db, [], { name: 'other', used: ['10.9.0.1'] }), metadata: { name: 'other', labels: {} } }
    expect(written(plan({ subnet: subnet9(), pools: [other] })).entries[NAME]?.ips).toEqual(['10.9.0.2-10.9.0.3'])
  })

  it('creates the pool with its reservation once it is the size wanted, as Spiderpool makes it', () => {
    const step = plan({ subnet: subnet9({ [NAME]: { ips: ['10.9.0.1-10.9.0.2'], application: WEB } }) })
    expect(step.kind).toBe('create-pool')
    const pool = (step as { pool: SpiderIPPool }).pool
    expect(pool.metadata).toMatchObject({
      name: NAME,
      finalizers: ['spiderpool.spidernet.io'],
      ownerReferences: [
        {
          apiVersion: 'spiderpool.spidernet.io/v2beta1',
          kind: 'SpiderSubnet',
          name: 'subnet-9',
          uid: 'subnet-9-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      annotations: { 'ipam.spidernet.io/ippool-ip-number': '+2' },
      labels: {
        'ipam.spidernet.io/owner-spider-subnet': 'subnet-9',
        'ipam.spidernet.io/owner-application-gv': 'apps_v1',
        'ipam.spidernet.io/owner-application-kind': 'Deployment',
        'ipam.spidernet.io/owner-application-namespace': 'default',
        'ipam.spidernet.io/owner-application-name': 'web',
        'ipam.spidernet.io/owner-application-uid': web.uid,
        'ipam.spidernet.io/interface': 'eth0',
        'ipam.spidernet.io/ippool-reclaim': 'true',
        'ipam.spidernet.io/ip-version': 'IPv4',
        'ipam.spidernet.io/ippool-cidr': '10-9-0-0-24',
      },
    })
    expect(pool.spec).toEqual({
      ipVersion: 4,
      subnet: '10.9.0.0/24',
      ips: ['10.9.0.1-10.9.0.2'],
      gateway: '10.9.0.254',
      podAffinity: {
        matchLabels: {
          'ipam.spidernet.io/app-api-group': 'apps',
          'ipam.spidernet.io/app-api-version': 'v1',
          'ipam.spidernet.io/app-kind': 'Deployment',
          'ipam.spidernet.io/app-namespace': 'default',
          'ipam.spidernet.io/app-name': 'web',
        },
      },
      default: false,
      disable: false,
    })
  })

  it('makes a pool of a reservation larger than wanted, and shrinks it afterwards (an entry never shrinks before its pool exists)', () => {
    expect(plan({ subnet: subnet9({ [NAME]: { ips: ['10.9.0.1-10.9.0.5'], application: WEB } }) }).kind).toBe('create-pool')
  })

  it('grows a partial reservation (a crash between reserving and creating)', () => {
    expect(written(plan({ subnet: subnet9({ [NAME]: { ips: ['10.9.0.7'], application: WEB } }), intent: intentOf(3) })).entries[NAME]?.ips).toEqual([
      '10.9.0.1-10.9.0.2',
      '10.9.0.7',
    ])
  })

  it.each([
    [
      'a subnet that does not exist',
      { subnet: undefined },
      'SubnetNotFound',
      'SpiderSubnet subnet-9 does not exist (the IPv4 auto pool of Deployment default/web for eth0)',
    ],
    [
      'a subnet of the other family',
      { subnet: subnet9({}, { ipVersion: 6, subnet: 'fd00:9::/64', ips: ['fd00:9::1-fd00:9::9'] }) },
      'SubnetMismatch',
      'SpiderSubnet subnet-9 is of IPv6, named for IPv4 (the IPv4 auto pool of Deployment default/web for eth0)',
    ],
    [
      'a subnet too full',
      { subnet: subnet9({ x: { ips: ['10.9.0.1-10.9.0.19'], application: DB } }) },
      'InsufficientIPs',
      `SpiderSubnet subnet-9 has 1 free IPs, the IPv4 auto pool of Deployment default/web for eth0 (${NAME}) needs 2 more: insufficient subnet FreeIPs, required '2' but only left '1'`,
    ],
    [
      'a terminating subnet',
      { subnet: subnet9({}, {}, { deletionTimestamp: '2024-01-01T00:00:00Z' }) },
      'SubnetTerminating',
      'SpiderSubnet subnet-9 is terminating: the IPv4 auto pool of Deployment default/web for eth0 cannot take IPs from it',
    ],
  ])('refuses %s, writing nothing', (_, input, reason, why) => {
    expect(plan(input as Pick<PlanInput, 'subnet'>)).toEqual({ kind: 'refuse', reason, why })
  })
})

describe('planAutoPool: an existing pool', () => {
  const entry = (...ips: string[]) => subnet9({ [NAME]: { ips, application: WEB } })

  it("is settled when pool and entry are the size wanted and its labels are its application's", () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.2'])
    expect(plan({ subnet: entry('10.9.0.1-10.9.0.2'), pool })).toEqual({ kind: 'settled', pool })
  })

  it('grows: the entry first, then the pool takes it', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.2'])
    const step = plan({ subnet: entry('10.9.0.1-10.9.0.2'), pool, intent: intentOf(4) })
    expect(written(step).entries[NAME]?.ips).toEqual(['10.9.0.1-10.9.0.4'])
    expect(updated(plan({ subnet: entry('10.9.0.1-10.9.0.4'), pool, intent: intentOf(4) })).spec.ips).toEqual(['10.9.0.1-10.9.0.4'])
  })

  it('grows around addresses it holds in excludeIPs on their way out', () => {
    // 10.9.0.3 is leaving (excluded, entry gave it up); the pool drops it before it reserves.
    const pool = autoPool(web, ['10.9.0.1-10.9.0.3'], { excludeIPs: ['10.9.0.3'] })
    const step = updated(plan({ subnet: entry('10.9.0.1-10.9.0.2'), pool, intent: intentOf(3) }))
    expect(step.spec).toMatchObject({ ips: ['10.9.0.1-10.9.0.2'] })
    expect(step.spec.excludeIPs).toBeUndefined()
  })

  it('shrinks by free addresses only, the highest first: exclude, release, drop', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.5'], { used: ['10.9.0.5', '10.9.0.2'] })
    const exclude = updated(plan({ subnet: entry('10.9.0.1-10.9.0.5'), pool, intent: intentOf(3) }))
    expect(exclude.spec).toMatchObject({ ips: ['10.9.0.1-10.9.0.5'], excludeIPs: ['10.9.0.3-10.9.0.4'] })
    expect(exclude.metadata.resourceVersion).toBe('1')
    const release = written(plan({ subnet: entry('10.9.0.1-10.9.0.5'), pool: exclude, intent: intentOf(3) }))
    expect(release.entries[NAME]?.ips).toEqual(['10.9.0.1-10.9.0.2', '10.9.0.5'])
    expect(release.allocated).toBe(3)
    const drop = updated(plan({ subnet: entry('10.9.0.1-10.9.0.2', '10.9.0.5'), pool: exclude, intent: intentOf(3) }))
    expect(drop.spec.ips).toEqual(['10.9.0.1-10.9.0.2', '10.9.0.5'])
    expect(drop.spec.excludeIPs).toBeUndefined()
    expect(plan({ subnet: entry('10.9.0.1-10.9.0.2', '10.9.0.5'), pool: drop, intent: intentOf(3) }).kind).toBe('settled')
    // Down to two: of the three, 10.9.0.1 alone is free.
    expect(updated(plan({ subnet: entry('10.9.0.1-10.9.0.2', '10.9.0.5'), pool: drop, intent: intentOf(2) })).spec.excludeIPs).toEqual(['10.9.0.1'])
  })

  it('waits when every address it would give up is in use', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.3'], { used: ['10.9.0.1', '10.9.0.2', '10.9.0.3'] })
    expect(plan({ subnet: entry('10.9.0.1-10.9.0.3'), pool, intent: intentOf(1) })).toEqual({
      kind: 'wait',
      why: `${NAME} holds 2 IPs more than wanted, and none is free`,
    })
  })

  it('gives up reserved addresses the pool never took before free ones it holds (excluding them first)', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.2'])
    const step = updated(plan({ subnet: entry('10.9.0.1-10.9.0.4'), pool, intent: intentOf(3) }))
    expect(step.spec).toMatchObject({ ips: ['10.9.0.1-10.9.0.2'], excludeIPs: ['10.9.0.4'] })
  })

  it('finishes a shrink it began even when the application wants more again: what a pool excludes is never taken back', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.3'], { excludeIPs: ['10.9.0.3'] })
    expect(written(plan({ subnet: entry('10.9.0.1-10.9.0.3'), pool, intent: intentOf(5) })).entries[NAME]?.ips).toEqual(['10.9.0.1-10.9.0.2'])
  })

  it('records in its entry an address it could hand out that the entry lacks, when nobody else has it', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.3'])
    expect(written(plan({ subnet: entry('10.9.0.1-10.9.0.2'), pool, intent: intentOf(3) })).entries[NAME]?.ips).toEqual(['10.9.0.1-10.9.0.3'])
  })

  it('refuses when such an address is reserved for another pool', () => {
    const pool = autoPool(web, ['10.9.0.1-10.9.0.3'])
    const subnet = subnet9({ [NAME]: { ips: ['10.9.0.1-10.9.0.2'], application: WEB }, other: { ips: ['10.9.0.3'] } })
    expect(plan({ subnet, pool, intent: intentOf(3) })).toEqual({
      kind: 'refuse',
      reason: 'IPConflict',
      why: `${NAME} can hand out 10.9.0.3, which SpiderSubnet subnet-9 does not reserve for it`,
    })
  })

  it('takes over a kept pool of a predecessor: its labels name the successor', () => {
    const successor = { ...web, uid: '99999999-0000-0000-0000-000000000000' }
    const pool = autoPool(web, ['10.9.0.1-10.9.0.2'], { labels: { [LABEL.ippoolReclaim]: 'false' } })
    const step = updated(
      planAutoPool({
        app: successor,
        want: want4,
        intent: intentOf(2, { reclaim: false }),
        subnet: entry('10.9.0.1-10.9.0.2'),
        pool,
        pools: [pool],
        reserved: [],
      }),
    )
    expect(step.metadata.name).toBe(NAME)
    expect(step.metadata.labels).toMatchObject({ [LABEL.ownerApplicationUID]: successor.uid, [LABEL.ippoolReclaim]: 'false' })
    expect(step.spec.ips).toEqual(['10.9.0.1-10.9.0.2'])
  })

  it('refuses a pool of another subnet (the template names another SpiderSubnet now)', () => {
    const pool = { ...autoPool(web, ['10.8.0.1']), spec: { ...autoPool(web, []).spec, subnet: '10.8.0.0/24', ips: ['10.8.0.1'] } }
    expect(plan({ subnet: subnet9(), pool })).toMatchObject({ kind: 'refuse', reason: 'SubnetMismatch' })
  })

  it('waits while its pool is being deleted', () => {
    const pool = autoPool(web, ['10.9.0.1'])
    expect(plan({ subnet: entry('10.9.0.1'), pool: { ...pool, metadata: { ...pool.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } } })).toEqual({
      kind: 'wait',
      why: `${NAME} is being deleted`,
    })
  })
})
