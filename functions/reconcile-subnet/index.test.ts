import { beforeEach, describe, expect, it } from 'vitest'
import { FINALIZER } from '../../shared/api/index.ts'
import { createLogger } from '../../shared/log.ts'
import { ownerLabels, pool, subnet, TERMINATING } from '../../shared/reconcile/fixtures.testkit.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import { reconcile } from './index.ts'

const noWait = { sleep: async () => {} }
const ips = ['10.6.0.1-10.6.0.100']

let store: MemoryStore
let lines: string[]
const deps = () => ({ store, log: createLogger({ write: (line) => lines.push(line) }), retry: noWait })
const stored = () => store.subnets.get('subnet-6')

beforeEach(() => {
  store = new MemoryStore()
  lines = []
})

describe('reconcile-subnet', () => {
  it('does nothing for a subnet that does not exist', async () => {
    store.putPool(pool('p', { ips: ['10.6.0.1'] }))
    expect(await reconcile('missing', deps())).toEqual({ result: 'gone' })
    expect(store.writes).toBe(0)
  })

  it('adds the finalizer and writes controlledIPPools and the counts', async () => {
    store.putSubnet(subnet('subnet-6', { ips, excludeIPs: ['10.6.0.100'] }, { metadata: { finalizers: [] } }))
    store.putPool(pool('manual', { ips: ['10.6.0.2', '10.6.0.1'] }))
    store.putPool(
      pool('auto4-web-eth0-1a2b3', { ips: ['10.6.0.10-10.6.0.12'] }, { metadata: { labels: ownerLabels('apps_v1', 'Deployment', 'default', 'web') } }),
    )
    store.putPool(pool('elsewhere', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }))
    expect(await reconcile('subnet-6', deps())).toEqual({ result: 'updated', changes: ['finalizer-added', 'status'] })
    expect(stored()?.metadata.finalizers).toEqual([FINALIZER])
    expect(stored()?.status).toEqual({
      controlledIPPools:
        '{"auto4-web-eth0-1a2b3":{"ips":["10.6.0.10-10.6.0.12"],"application":"apps_v1_Deployment_default_web"},' + '"manual":{"ips":["10.6.0.1-10.6.0.2"]}}',
      allocatedIPCount: 5,
      totalIPCount: 99,
    })
  })

  it('writes nothing when the subnet is up to date', async () => {
    store.putPool(pool('p', { ips: ['10.6.0.1'] }))
    const status = { controlledIPPools: '{"p":{"ips":["10.6.0.1"]}}', allocatedIPCount: 1, totalIPCount: 100 }
    store.putSubnet(subnet('subnet-6', { ips }, { status }))
    expect(await reconcile('subnet-6', deps())).toEqual({ result: 'unchanged' })
    expect(store.writes).toBe(0)
  })

  it('after losing a race, re-reads the pools and includes one created meanwhile', async () => {
    store.putSubnet(subnet('subnet-6', { ips }))
    store.putPool(pool('a', { ips: ['10.6.0.1'] }))
    const write = store.replaceSubnetStatus
    let tries = 0
    store.replaceSubnetStatus = async (s, status) => {
      if (++tries === 1) {
        store.putPool(pool('b', { ips: ['10.6.0.2'] }))
        store.putSubnet({ ...(stored() ?? s) }) // and whoever made it touched the subnet
      }
      return write(s, status)
    }
    expect(await reconcile('subnet-6', deps())).toEqual({ result: 'updated', changes: ['status'] })
    expect(tries).toBe(2)
    expect(stored()?.status).toMatchObject({ controlledIPPools: '{"a":{"ips":["10.6.0.1"]},"b":{"ips":["10.6.0.2"]}}', allocatedIPCount: 2 })
  })

  it('lets a terminating subnet go once it controls no pool', async () => {
    store.putSubnet(subnet('subnet-6', { ips }, { metadata: { deletionTimestamp: TERMINATING } }))
    store.putPool(pool('elsewhere', { subnet: '10.7.0.0/16', ips: ['10.7.0.1'] }))
    expect(await reconcile('subnet-6', deps())).toEqual({ result: 'updated', changes: ['finalizer-removed'] })
    expect(stored()?.metadata.finalizers).toEqual([])
  })

  it('keeps a terminating subnet that still controls a pool', async () => {
    store.putSubnet(subnet('subnet-6', { ips }, { metadata: { deletionTimestamp: TERMINATING } }))
    store.putPool(pool('p', { ips: ['10.6.0.1'] }))
    expect(await reconcile('subnet-6', deps())).toEqual({ result: 'updated', changes: ['status'] })
    expect(stored()?.metadata.finalizers).toEqual([FINALIZER])
  })

  it('logs and writes nothing when a controlled pool has IPs that do not parse', async () => {
    store.putSubnet(subnet('subnet-6', { ips }))
    store.putPool(pool('bad', { ips: ['10.6.0.300'] }))
    expect(await reconcile('subnet-6', deps())).toMatchObject({ result: 'invalid', reason: expect.stringMatching(/^SpiderIPPool bad: spec\.ips: /) })
    expect(store.writes).toBe(0)
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', function: 'reconcile-subnet', subnet: 'subnet-6' })
  })

  it('logs and writes nothing when its own IPs do not parse', async () => {
    store.putSubnet(subnet('subnet-6', { ips: ['10.6.0.1-'] }))
    expect(await reconcile('subnet-6', deps())).toMatchObject({ result: 'invalid', reason: expect.stringMatching(/^SpiderSubnet subnet-6: spec\.ips: /) })
    expect(store.writes).toBe(0)
  })
})
