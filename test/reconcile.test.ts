// reconcile-ippool, reconcile-subnet and the dispatcher against the real API server: finalizers,
// status counts, controlledIPPools, and watch events reaching the dispatcher through kube-watch.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { FINALIZER, GROUP, LABEL, PLURAL, VERSION, serializeAllocatedIPs } from '../shared/api/index.ts'
import { KubeStore } from '../shared/kube/kube-store.ts'
import { KubeWatch } from '../shared/kube/kube-watch.ts'
import type { WatchKind, WatchSource, WatchedObjects } from '../shared/store/store.ts'
import { reconcile as reconcilePool } from '../functions/reconcile-ippool/index.ts'
import { reconcile as reconcileSubnet } from '../functions/reconcile-subnet/index.ts'
import { createDispatcher } from '../functions/dispatcher/index.ts'
import { applyManifests, kubeConfig, unique } from './support/cluster.ts'

type Plural = typeof PLURAL.ipPool | typeof PLURAL.subnet

let kc: k8s.KubeConfig
let custom: k8s.CustomObjectsApi
let store: KubeStore
const created: Array<[Plural, string]> = []

/** A /24 of its own per test, so that pools of other tests never share a subnet's CIDR. */
const uniqueCidr = () => {
  const octet = () => 100 + Math.floor(Math.random() * 150)
  const prefix = `10.${octet()}.${octet()}`
  return { cidr: `${prefix}.0/24`, ip: (host: number) => `${prefix}.${host}` }
}

const create = async (plural: Plural, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) => {
  const kind = plural === PLURAL.ipPool ? 'SpiderIPPool' : 'SpiderSubnet'
  const body = { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, labels }, spec }
  await custom.createClusterCustomObject({ group: GROUP, version: VERSION, plural, body })
  created.push([plural, name])
}

const remove = (plural: Plural, name: string) => custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).catch(ignore404)

const ignore404 = (e: unknown) => {
  if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
}

const getSubnet = async (name: string) => (await store.listSubnets()).find((s) => s.metadata.name === name)

/** Removes what a test made, finalizers first, so nothing is left terminating for later files. */
const destroy = async (plural: Plural, name: string) => {
  const object = await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).catch(ignore404)
  if (!object) return
  const body = object as { metadata: { finalizers?: string[] } }
  body.metadata.finalizers = []
  await custom.replaceClusterCustomObject({ group: GROUP, version: VERSION, plural, name, body }).catch(ignore404)
  await remove(plural, name)
}

const records = (...ips: string[]) => serializeAllocatedIPs(Object.fromEntries(ips.map((ip, i) => [ip, { pod: `default/pod-${i}`, podUid: `uid-${i}` }])))

beforeAll(async () => {
  kc = kubeConfig()
  await applyManifests(kc, 'manifests/crds')
  custom = kc.makeApiClient(k8s.CustomObjectsApi)
  store = KubeStore.fromKubeConfig(kc)
})

afterAll(async () => {
  for (const [plural, name] of created) await destroy(plural, name)
})

describe('reconcile-ippool against the API server', () => {
  it('counts, adds the finalizer, holds deletion while IPs are allocated, then lets go', async () => {
    const { cidr, ip } = uniqueCidr()
    const name = unique('rec-pool')
    await create(PLURAL.ipPool, name, { subnet: cidr, ips: [`${ip(10)}-${ip(19)}`], excludeIPs: [ip(19)] })
    const allocatedIPs = records(ip(10), ip(11))
    const fresh = await store.getPool(name)
    if (!fresh) throw new Error('pool not created')
    await store.replacePoolStatus(fresh, { allocatedIPs })

    expect(await reconcilePool(name, { store })).toEqual({ result: 'updated', changes: ['finalizer-added', 'status'] })
    const pool = await store.getPool(name)
    expect(pool?.metadata.finalizers).toEqual([FINALIZER])
    expect(pool?.status).toEqual({ allocatedIPs, allocatedIPCount: 2, totalIPCount: 9 })
    expect(await reconcilePool(name, { store })).toEqual({ result: 'unchanged' })

    await remove(PLURAL.ipPool, name)
    expect(await reconcilePool(name, { store })).toEqual({ result: 'unchanged' })
    const terminating = await store.getPool(name)
    expect(terminating?.metadata.deletionTimestamp).toBeDefined()

    if (!terminating) throw new Error('pool gone too early')
    await store.replacePoolStatus(terminating, { allocatedIPCount: 2, totalIPCount: 9 })
    expect(await reconcilePool(name, { store })).toEqual({ result: 'updated', changes: ['finalizer-removed'] })
    await vi.waitFor(async () => expect(await store.getPool(name)).toBeUndefined())
    expect(await reconcilePool(name, { store })).toEqual({ result: 'gone' })
  })
})

describe('reconcile-subnet against the API server', () => {
  it('writes controlledIPPools and counts, and holds deletion while it controls pools', async () => {
    const { cidr, ip } = uniqueCidr()
    const name = unique('rec-subnet')
    const manual = unique('rec-manual')
    const auto = unique('auto4-web-eth0')
    await create(PLURAL.subnet, name, { subnet: cidr, ips: [`${ip(1)}-${ip(200)}`] })
    await create(PLURAL.ipPool, manual, { subnet: cidr, ips: [ip(12), `${ip(10)}-${ip(11)}`] })
    await create(
      PLURAL.ipPool,
      auto,
      { subnet: cidr, ips: [`${ip(20)}-${ip(21)}`] },
      {
        [LABEL.ownerApplicationGV]: 'apps_v1',
        [LABEL.ownerApplicationKind]: 'Deployment',
        [LABEL.ownerApplicationNamespace]: 'default',
        [LABEL.ownerApplicationName]: 'web',
      },
    )

    expect(await reconcileSubnet(name, { store })).toEqual({ result: 'updated', changes: ['finalizer-added', 'status'] })
    const subnet = await getSubnet(name)
    expect(subnet?.metadata.finalizers).toEqual([FINALIZER])
    expect(subnet?.status).toEqual({
      controlledIPPools: JSON.stringify({
        [auto]: { ips: [`${ip(20)}-${ip(21)}`], application: 'apps_v1_Deployment_default_web' },
        [manual]: { ips: [`${ip(10)}-${ip(12)}`] },
      }),
      allocatedIPCount: 5,
      totalIPCount: 200,
    })
    expect(await reconcileSubnet(name, { store })).toEqual({ result: 'unchanged' })

    await remove(PLURAL.subnet, name)
    expect(await reconcileSubnet(name, { store })).toEqual({ result: 'unchanged' })
    await remove(PLURAL.ipPool, manual)
    await remove(PLURAL.ipPool, auto)
    expect(await reconcileSubnet(name, { store })).toEqual({ result: 'updated', changes: ['finalizer-removed'] })
    await vi.waitFor(async () => expect(await getSubnet(name)).toBeUndefined())
  })
})

/** Lets the dispatcher see only this test's objects: other files' leftovers are not its business. */
const scoped = (source: WatchSource, prefix: string): WatchSource => {
  const mine = (o: unknown) => ((o as { metadata?: { name?: string } }).metadata?.name ?? '').startsWith(prefix)
  return {
    watch: (kind, onEvent) => source.watch(kind, (type, object) => mine(object) && onEvent(type, object)),
    list: async <K extends WatchKind>(kind: K): Promise<Array<WatchedObjects[K]>> => (await source.list(kind)).filter(mine),
  }
}

describe('dispatcher against the API server', () => {
  it('reconciles pools and subnets as their watch events arrive', async () => {
    const { cidr, ip } = uniqueCidr()
    const prefix = unique('rec-dispatch')
    const source = scoped(KubeWatch.fromKubeConfig(kc), prefix)
    const dispatcher = createDispatcher({
      source,
      reconcilePool: (name) => reconcilePool(name, { store }),
      reconcileSubnet: (name) => reconcileSubnet(name, { store }),
      resyncIntervalMs: 3_600_000, // only watch events may drive this test
    })
    await dispatcher.start()
    try {
      await create(PLURAL.subnet, `${prefix}-subnet`, { subnet: cidr, ips: [`${ip(1)}-${ip(100)}`] })
      await vi.waitFor(async () => expect((await getSubnet(`${prefix}-subnet`))?.status.totalIPCount).toBe(100), { timeout: 15_000 })

      await create(PLURAL.ipPool, `${prefix}-pool`, { subnet: cidr, ips: [`${ip(5)}-${ip(7)}`] })
      await vi.waitFor(
        async () => {
          const pool = await store.getPool(`${prefix}-pool`)
          expect(pool?.metadata.finalizers).toEqual([FINALIZER])
          expect(pool?.status).toMatchObject({ allocatedIPCount: 0, totalIPCount: 3 })
          const subnet = await getSubnet(`${prefix}-subnet`)
          expect(subnet?.status).toMatchObject({ allocatedIPCount: 3 })
          expect(subnet?.status.controlledIPPools).toContain(`"${prefix}-pool":{"ips":["${ip(5)}-${ip(7)}"]}`)
        },
        { timeout: 15_000 },
      )

      // Deletion: the pool has no allocations, so the dispatcher lets it go and the subnet forgets it.
      await remove(PLURAL.ipPool, `${prefix}-pool`)
      await vi.waitFor(
        async () => {
          expect(await store.getPool(`${prefix}-pool`)).toBeUndefined()
          expect((await getSubnet(`${prefix}-subnet`))?.status).toEqual({ allocatedIPCount: 0, totalIPCount: 100 })
        },
        { timeout: 15_000 },
      )
    } finally {
      await dispatcher.stop()
    }
  })
})
