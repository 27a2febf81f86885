import { beforeEach, describe, expect, it } from 'vitest'
import { LABEL, parseAllocatedIPs } from '../../shared/api/index.ts'
import { subnet9 } from '../../shared/autopool/fixtures.testkit.ts'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'
import type { MemoryStore } from '../../shared/store/memory-store.ts'
import type { PodView, WorkloadView } from '../../shared/api/views.ts'
import { addRequest, depsFor, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { reconcile } from '../reconcile-autopool/index.ts'
import { createAllocateApp } from './app.ts'
import { bodyOf } from '../lib/response-body.testkit.ts'

const headers = { 'content-type': 'application/json', [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS }
const SUBNET = { 'ipam.spidernet.io/subnet': '{"ipv4":["subnet-9"]}' }
const RS_UID = 'rs-uid'
const DEPLOY_UID = 'deploy-uid-0000-0000-abcdef123456'

let store: MemoryStore
let app: ReturnType<typeof createAllocateApp>

const deployment = (extra: Partial<WorkloadView> = {}): WorkloadView => ({
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  namespace: 'default',
  name: 'web',
  uid: DEPLOY_UID,
  ownerReferences: [],
  templateAnnotations: SUBNET,
  pods: 1,
  hostNetwork: false,
  ...extra,
})
/** A pod of Deployment web, through its ReplicaSet, as the controllers make it. */
const webPod = (name: string, annotations: Record<string, string> = SUBNET): PodView =>
  pod(name, 'controller-node-1', {
    annotations,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-rs', uid: RS_UID, controller: true }],
  })
const post = async (p: PodView, ifName = 'eth0') => {
  store.putPod(p)
  const answer = await app.request('/v1/ipam/ip', { method: 'POST', body: JSON.stringify(addRequest(p, ifName)), headers })
  return { status: answer.status, body: await bodyOf(answer) }
}
const reconcileWeb = () => reconcile({ kind: 'Deployment', namespace: 'default', name: 'web' }, { store })

beforeEach(() => {
  store = seedStore()
  store.putSubnet(subnet9())
  store.putController({
    kind: 'ReplicaSet',
    namespace: 'default',
    name: 'web-rs',
    uid: RS_UID,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: DEPLOY_UID, controller: true }],
  })
  store.putWorkload(deployment())
  app = createAllocateApp({ ...depsFor(store), config: { systemNamespace: 'kube-system', autoPools: { defaultFlexible: 1, waitMs: 100 } } })
})

describe('POST /v1/ipam/ip with a subnet annotation (auto pools)', () => {
  it("hands out its application's auto pool, with the subnet's gateway", async () => {
    await reconcileWeb()
    const answer = await post(webPod('web-1'))
    expect(answer).toEqual({
      status: 200,
      body: {
        ips: [{ version: 4, address: '10.9.0.1/24', nic: 'eth0', ipPool: 'auto4-web-eth0-abcde', gateway: '10.9.0.254' }],
        routes: [{ ifName: 'eth0', dst: '0.0.0.0/0', gw: '10.9.0.254' }],
      },
    })
  })

  it('waits for the pool while it is being made, and takes it once it is there', async () => {
    const pending = post(webPod('web-1'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    await reconcileWeb()
    expect((await pending).status).toBe(200)
  })

  it('answers "try again" when the pool does not come in time, having written nothing', async () => {
    const answer = await post(webPod('web-1'))
    expect(answer.status).toBe(503)
    expect(answer.body).toEqual({
      code: 'try-again',
      message: 'the IPv4 auto pool of Deployment default/web for eth0 (SpiderSubnet subnet-9) does not exist yet; try again',
    })
    expect(store.endpoints.size).toBe(0)
  })

  it('answers "try again" while the pool is full: it grows with its application', async () => {
    store.putWorkload(deployment({ pods: 0, templateAnnotations: { ...SUBNET, 'ipam.spidernet.io/ippool-ip-number': '1' } }))
    await reconcileWeb()
    expect((await post(webPod('web-1'))).status).toBe(200)
    const answer = await post(webPod('web-2'))
    expect(answer.body).toEqual({
      code: 'try-again',
      message:
        'the IPv4 auto pool of Deployment default/web for eth0 (SpiderSubnet subnet-9), auto4-web-eth0-abcde, has no free IP yet: it grows with its application; try again',
    })
  })

  it('answers a retried ADD from a full pool at once', async () => {
    store.putWorkload(deployment({ templateAnnotations: { ...SUBNET, 'ipam.spidernet.io/ippool-ip-number': '1' } }))
    await reconcileWeb()
    const p = webPod('web-1')
    const first = await post(p)
    expect(await post(p)).toEqual(first)
  })

  it('refuses at once a subnet that does not exist, or one that cannot hold the pool, creating nothing', async () => {
    const missing = await post(webPod('web-1', { 'ipam.spidernet.io/subnet': '{"ipv4":["nowhere"]}' }))
    expect(missing).toEqual({
      status: 409,
      body: { code: 'no-pool', message: 'SpiderSubnet nowhere does not exist: Deployment default/web names it for the IPv4 auto pool of eth0' },
    })
    store.putWorkload(deployment({ pods: 40 }))
    const full = await post(webPod('web-2'))
    expect(full.status).toBe(409)
    expect(full.body.code).toBe('ip-used-out')
    expect(full.body.message).toMatch(/^SpiderSubnet subnet-9 has 20 free IPs, .* needs 41 more/)
    expect([...store.pools.keys()].filter((n) => n.startsWith('auto'))).toEqual([])
  })

  it('refuses a pod without a controller, as Spiderpool does', async () => {
    const bare = await post(pod('bare', 'controller-node-1', { annotations: SUBNET }))
    expect(bare.body).toEqual({
      code: 'no-pool',
      message: "SpiderSubnet feature doesn't support no-controller pod default/bare: name SpiderIPPools in ipam.spidernet.io/ippool(s) instead",
    })
  })

  it('refuses a NIC the annotation makes no pool for', async () => {
    await reconcileWeb()
    const answer = await post(webPod('web-1', { 'ipam.spidernet.io/subnet': '{"interface":"eth0","ipv4":["subnet-9"]}' }), 'net1')
    expect(answer.body).toEqual({
      code: 'no-pool',
      message: 'no auto pool is made for NIC net1: ipam.spidernet.io/subnet serves eth0 (name the NIC in its interface field)',
    })
  })

  it("refuses subnet annotations when auto pools are off, in Spiderpool's words", async () => {
    app = createAllocateApp({ ...depsFor(store), config: { systemNamespace: 'kube-system', autoPools: false } })
    expect((await post(webPod('web-1'))).body).toEqual({
      code: 'invalid-annotation',
      message:
        "invalid annotation ipam.spidernet.io/subnet: it's invalid to use 'ipam.spidernet.io/subnets' or 'ipam.spidernet.io/subnet' annotation when Auto-Pool feature is disabled",
    })
  })

  it("makes a third-party controller's pool of a fixed size when its first pod asks", async () => {
    const owner = { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'cs', uid: 'cs-uid-000-0000-000000054321', controller: true }
    const fixed = pod('cs-1', 'controller-node-1', { annotations: { ...SUBNET, 'ipam.spidernet.io/ippool-ip-number': '2' }, ownerReferences: [owner] })
    const answer = await post(fixed)
    expect(answer.status).toBe(200)
    const pool = store.pools.get('auto4-cs-eth0-00000')!
    expect(pool.spec.ips).toEqual(['10.9.0.1-10.9.0.2'])
    expect(pool.metadata.labels).toMatchObject({ [LABEL.ownerApplicationKind]: 'CloneSet', [LABEL.ownerApplicationGV]: 'apps.kruise.io_v1alpha1' })
    expect(Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, 'p'))).toEqual(['10.9.0.1'])
    const flexible = await post(pod('cs-2', 'controller-node-1', { annotations: SUBNET, ownerReferences: [owner] }))
    expect(flexible.body.code).toBe('invalid-annotation')
  })
})
