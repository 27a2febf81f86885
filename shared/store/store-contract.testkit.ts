import { afterAll, describe, expect, it } from 'vitest'
import { IP_COUNT_CAP, type SpiderEndpoint, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { isStoreConflict, type Store } from './store.ts'

/** What the contract needs besides the Store: a way to make subnets (the Store never creates one), and cleanup. */
export interface StoreUnderTest {
  readonly store: Store
  /** Creates a subnet as a user would (kubectl apply). */
  createSubnet(subnet: SpiderSubnet): Promise<SpiderSubnet>
  /** Removes every object the suite made (names start with `prefix`). */
  cleanup(prefix: string): Promise<void>
}

const FINALIZER = 'spinneret.test/contract'

/**
 * The behaviours every Store must show, run against MemoryStore (unit project) and KubeStore on
 * the real API server (integration project), so that a unit test on MemoryStore can be trusted
 * to mean what it would mean in production.
 */
export const describeStoreContract = (name: string, open: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract: ${name}`, () => {
    const prefix = `contract-${Math.random().toString(36).slice(2, 8)}`
    let n = 0
    const fresh = (what: string) => `${prefix}-${what}-${++n}`
    let opened: Promise<StoreUnderTest> | undefined
    const harness = () => (opened ??= open())
    const storeOf = async () => (await harness()).store

    afterAll(async () => {
      if (opened) await (await opened).cleanup(prefix)
    })

    const newPool = (poolName: string): SpiderIPPool => ({
      metadata: { name: poolName },
      spec: { ipVersion: 4, subnet: '198.18.200.0/24', ips: ['198.18.200.10-198.18.200.20'], default: false, disable: false },
      status: {},
    })

    const conflict = async (write: Promise<unknown>) => {
      const error = await write.then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isStoreConflict(error), `expected StoreConflict, got ${String(error)}`).toBe(true)
    }

    it('creates a pool with a UID, generation 1 and no status; a second create of the name conflicts', async () => {
      const store = await storeOf()
      const pool = newPool(fresh('pool'))
      const created = await store.createPool({ ...pool, status: { allocatedIPCount: 5 } })
      expect(created.metadata.uid).toBeTruthy()
      expect(created.metadata.generation).toBe(1)
      expect(created.metadata.resourceVersion).toBeTruthy()
      expect(created.status.allocatedIPCount).toBeUndefined()
      expect(created.spec.ips).toEqual(pool.spec.ips)
      await conflict(store.createPool(pool))
    })

    it('replacePoolStatus writes the status only, conditional on the resourceVersion read', async () => {
      const store = await storeOf()
      const created = await store.createPool(newPool(fresh('pool')))
      const asked = { ...created, spec: { ...created.spec, ips: ['198.18.200.99'] } }
      const written = await store.replacePoolStatus(asked, { allocatedIPCount: 0, totalIPCount: 11 })
      expect(written.status.totalIPCount).toBe(11)
      expect(written.spec.ips).toEqual(created.spec.ips)
      expect(written.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion)
      const read = await store.getPool(created.metadata.name)
      expect(read?.spec.ips).toEqual(created.spec.ips)
      expect(read?.status.totalIPCount).toBe(11)
      await conflict(store.replacePoolStatus(created, { totalIPCount: 12 }))
      expect((await store.getPool(created.metadata.name))?.status.totalIPCount).toBe(11)
    })

    it('keeps a count capped at int64 max as the cap', async () => {
      const store = await storeOf()
      const created = await store.createPool(newPool(fresh('pool')))
      await store.replacePoolStatus(created, { allocatedIPCount: 0, totalIPCount: IP_COUNT_CAP })
      expect((await store.getPool(created.metadata.name))?.status.totalIPCount).toBe(IP_COUNT_CAP)
    })

    it('replacePool writes metadata and spec, keeps the status, and counts spec changes in the generation', async () => {
      const store = await storeOf()
      const created = await store.createPool(newPool(fresh('pool')))
      const withStatus = await store.replacePoolStatus(created, { allocatedIPCount: 0, totalIPCount: 11 })
      const labelled = await store.replacePool({ ...withStatus, metadata: { ...withStatus.metadata, labels: { a: 'b' } }, status: {} })
      expect(labelled.metadata.generation).toBe(1)
      expect(labelled.metadata.labels).toEqual({ a: 'b' })
      expect(labelled.status.totalIPCount).toBe(11)
      const grown = await store.replacePool({ ...labelled, spec: { ...labelled.spec, ips: ['198.18.200.10-198.18.200.30'] } })
      expect(grown.metadata.generation).toBe(2)
      await conflict(store.replacePool(labelled))
    })

    it('deletes a pool with a finalizer only once the finalizer is gone', async () => {
      const store = await storeOf()
      const created = await store.createPool(newPool(fresh('pool')))
      const held = await store.replacePoolFinalizers(created, [FINALIZER])
      await store.deletePool(held)
      const terminating = await store.getPool(created.metadata.name)
      expect(terminating?.metadata.deletionTimestamp).toBeTruthy()
      await store.replacePoolFinalizers(terminating!, [])
      expect(await store.getPool(created.metadata.name)).toBeUndefined()
      await store.deletePool(held) // gone already counts as done
    })

    it('replaceSubnetStatus writes the status only, conditional on the resourceVersion read', async () => {
      const { store, createSubnet } = await harness()
      const subnet = await createSubnet({
        metadata: { name: fresh('subnet') },
        spec: { ipVersion: 4, subnet: '198.18.201.0/24', ips: ['198.18.201.10-198.18.201.20'] },
        status: {},
      })
      const asked = { ...subnet, spec: { ...subnet.spec, ips: ['198.18.201.99'] } }
      const written = await store.replaceSubnetStatus(asked, { allocatedIPCount: 0, totalIPCount: 11 })
      expect(written.spec.ips).toEqual(subnet.spec.ips)
      expect((await store.getSubnet(subnet.metadata.name))?.status.totalIPCount).toBe(11)
      await conflict(store.replaceSubnetStatus(subnet, { totalIPCount: 12 }))
    })

    const newEndpoint = (endpointName: string, finalizers: string[] = []): SpiderEndpoint => ({
      metadata: { name: endpointName, namespace: 'default', finalizers },
      status: {
        current: { uid: 'pod-uid', node: 'node-1', ips: [{ interface: 'eth0', ipv4: '198.18.200.10/24', ipv4Pool: 'p', vlan: 0 }] },
        ownerControllerType: 'Pod',
        ownerControllerName: endpointName,
      },
    })

    it('creates an endpoint once, with a UID; replaces it conditionally', async () => {
      const store = await storeOf()
      const endpoint = newEndpoint(fresh('ep'))
      const created = await store.createEndpoint(endpoint)
      expect(created.metadata.uid).toBeTruthy()
      await conflict(store.createEndpoint(endpoint))
      const moved = { ...created, status: { ...created.status, current: { ...created.status.current, node: 'node-2' } } }
      const replaced = await store.replaceEndpoint(moved)
      expect(replaced.status.current.node).toBe('node-2')
      await conflict(store.replaceEndpoint(created))
      expect((await store.getEndpoint('default', endpoint.metadata.name))?.status.current.node).toBe('node-2')
    })

    it('deletes an endpoint, its finalizer first, conditional on the resourceVersion; gone counts as done', async () => {
      const store = await storeOf()
      const created = await store.createEndpoint(newEndpoint(fresh('ep'), [FINALIZER]))
      const replaced = await store.replaceEndpoint({ ...created, status: { ...created.status, ownerControllerName: 'x' } })
      await conflict(store.deleteEndpoint(created))
      expect(await store.getEndpoint('default', created.metadata.name)).toBeDefined()
      await store.deleteEndpoint(replaced)
      expect(await store.getEndpoint('default', created.metadata.name)).toBeUndefined()
      await store.deleteEndpoint(replaced)
    })

    it("serves 'cached' reads of objects it wrote, at most a moment late", async () => {
      const store = await storeOf()
      const created = await store.createPool(newPool(fresh('pool')))
      const written = await store.replacePoolStatus(created, { allocatedIPCount: 0, totalIPCount: 11 })
      await expect
        .poll(async () => (await store.getPool(created.metadata.name, 'cached'))?.metadata.resourceVersion, { timeout: 5000 })
        .toBe(written.metadata.resourceVersion)
      expect((await store.getPool(created.metadata.name, 'latest'))?.metadata.resourceVersion).toBe(written.metadata.resourceVersion)
    })

    it('writes the claim registry once without a resourceVersion, then only conditionally', async () => {
      const store = await storeOf()
      const before = await store.getClaims()
      if (before.resourceVersion === undefined) {
        const written = await store.writeClaims({ claims: {} })
        expect(written.resourceVersion).toBeTruthy()
        await conflict(store.writeClaims({ claims: {} }))
      }
      const current = await store.getClaims()
      const claim = { pool: fresh('pool'), generation: 1, ips: ['198.18.200.10'] }
      const next = await store.writeClaims({ ...current, claims: { ...current.claims, [fresh('uid')]: claim } })
      expect(next.resourceVersion).not.toBe(current.resourceVersion)
      expect(Object.values((await store.getClaims()).claims)).toContainEqual(claim)
      await conflict(store.writeClaims(current))
    })
  })
}
