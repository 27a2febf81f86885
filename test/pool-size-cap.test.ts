// The pool size cap (shared/admission/pool-size-cap.ts) measured against the real API server and
// etcd: a pool of as many IPv6 addresses as admission allows, every address written at its longest
// in spec.ips and again in kubectl's last-applied annotation, every record held by a pod named at
// Kubernetes' limits, is stored; a status much fuller than the cap is refused by etcd.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ETCD_REQUEST_LIMIT_BYTES, POOL_ADDRESS_CAP } from '../shared/admission/pool-size-cap.ts'
import { GROUP, VERSION, serializeAllocatedIPs, type AllocatedIPs } from '../shared/api/index.ts'
import { KubeStore } from '../shared/kube/kube-store.ts'
import { applyManifests, deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'

const kc = kubeConfig()
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const store = KubeStore.fromKubeConfig(kc)
// A long name too: the object's own fields come out of the reserve.
const name = unique('cap').padEnd(200, 'x')
const cap = POOL_ADDRESS_CAP[6]
// Every address 39 characters long: the last group runs f000, f001, ... (never shorter).
const address = (i: number) => `ffff:ffff:ffff:ffff:ffff:ffff:ffff:${(0xf000 + i).toString(16)}`
const records = (count: number): AllocatedIPs =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      address(i),
      {
        interface: 'n'.repeat(15),
        pod: `${'n'.repeat(63)}/${'p'.repeat(253 - String(i).length)}${i}`,
        podUid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
      },
    ]),
  )

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  const spec = { ipVersion: 6, subnet: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:0/112', ips: Array.from({ length: cap }, (_, i) => address(i)) }
  const lastApplied = JSON.stringify({ apiVersion: `${GROUP}/${VERSION}`, kind: 'SpiderIPPool', metadata: { name }, spec })
  await custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'spiderippools',
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SpiderIPPool',
      metadata: { name, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec,
    },
  })
}, 60_000)

afterAll(async () => {
  await deleteClusterObjects(kc, 'spiderippools', [name])
})

describe(`an IPv6 pool of ${cap} addresses (the cap), full`, () => {
  it("is stored, with room to spare under etcd's request limit", async () => {
    const pool = (await store.getPool(name))!
    const written = await store.replacePoolStatus(pool, { allocatedIPs: serializeAllocatedIPs(records(cap)), allocatedIPCount: cap, totalIPCount: cap })
    expect(written.status.allocatedIPCount).toBe(cap)
    const stored = JSON.stringify(await custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'spiderippools', name }))
    expect(stored.length).toBeLessThan(ETCD_REQUEST_LIMIT_BYTES)
    console.info(`pool size cap: a full worst-case IPv6 pool of ${cap} addresses is ${stored.length} bytes of JSON (limit ${ETCD_REQUEST_LIMIT_BYTES})`)
  })

  it('is refused by etcd when its status holds a fifth more records than the cap', async () => {
    const pool = (await store.getPool(name))!
    const more = Math.ceil(cap * 1.2)
    const refusal = await store.replacePoolStatus(pool, { allocatedIPs: serializeAllocatedIPs(records(more)), allocatedIPCount: more, totalIPCount: cap }).then(
      () => 'stored',
      (e: unknown) => String(e),
    )
    expect(refusal).toMatch(/request is too large/)
  })
})
