// Auto pools (SpiderSubnet) against the real API server, with the real service: the dispatcher
// follows Deployments and StatefulSets through its watches, and pods ask through the IPAM API.
// No controller-manager runs here: the tests make the ReplicaSets and pods a controller would.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  GROUP,
  LABEL,
  PLURAL,
  VERSION,
  parseControlledIPPools,
  parseSpiderIPPool,
  parseSpiderSubnet,
  type SpiderIPPool,
  type SpiderSubnet,
} from '../shared/api/index.ts'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  deleteClusterObjects,
  kubeConfig,
  poolRecords,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { ipamBodyFor, ipamCall, startService, type RunningService } from './support/service.ts'
import { kubectl, startWebhooks } from './support/webhooks.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const apps = kc.makeApiClient(k8s.AppsV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const ns = unique('autopool')
const node = `${ns}-node`
const subnetName = `${ns}-subnet`
// A /24 no other test file uses; ten addresses, as the "one 10-address subnet".
const CIDR = '198.18.120.0/24'
const services: RunningService[] = []
const crd = (plural: string) => ({ group: GROUP, version: VERSION, plural })

const readSubnet = async (): Promise<SpiderSubnet> => parseSpiderSubnet(await custom.getClusterCustomObject({ ...crd(PLURAL.subnet), name: subnetName }))
const listPools = async (): Promise<SpiderIPPool[]> =>
  ((await custom.listClusterCustomObject(crd(PLURAL.ipPool))) as { items: unknown[] }).items
    .map(parseSpiderIPPool)
    .filter((p) => p.metadata.labels?.[LABEL.ownerSpiderSubnet] === subnetName)
const poolOf = async (app: string): Promise<SpiderIPPool | undefined> =>
  (await listPools()).find((p) => p.metadata.labels?.[LABEL.ownerApplicationName] === app)
const entries = async () => parseControlledIPPools((await readSubnet()).status.controlledIPPools, subnetName)

const template = (app: string, annotations: Record<string, string>): k8s.V1PodTemplateSpec => ({
  metadata: { labels: { app }, annotations },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
})
const subnetAnnotation = { 'ipam.spidernet.io/subnet': JSON.stringify({ ipv4: [subnetName] }) }

async function deployment(name: string, replicas: number, annotations: Record<string, string> = subnetAnnotation): Promise<k8s.V1Deployment> {
  return apps.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, annotations) } },
  })
}

const scale = (name: string, replicas: number) =>
  apps.patchNamespacedDeployment({ namespace: ns, name, body: { spec: { replicas } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))

/** The ReplicaSet and a pod of it, as the Deployment controller would make them. */
async function podOf(d: k8s.V1Deployment, name: string): Promise<k8s.V1Pod> {
  const rsName = `${d.metadata!.name}-rs`
  const rs = await apps.readNamespacedReplicaSet({ namespace: ns, name: rsName }).catch(async () =>
    apps.createNamespacedReplicaSet({
      namespace: ns,
      body: {
        metadata: {
          name: rsName,
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata!.name!, uid: d.metadata!.uid!, controller: true }],
        },
        spec: { replicas: 0, selector: { matchLabels: { app: d.metadata!.name! } }, template: d.spec!.template },
      },
    }),
  )
  return createPod(kc, {
    namespace: ns,
    name,
    nodeName: node,
    labels: { app: d.metadata!.name! },
    annotations: d.spec!.template.metadata!.annotations!,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rs.metadata!.uid!, controller: true }],
  })
}

const bodyFor = (pod: k8s.V1Pod) => ipamBodyFor(pod, ns)
const add = (service: RunningService, pod: k8s.V1Pod) => ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(pod))
const release = async (service: RunningService, pod: k8s.V1Pod) => {
  await terminatePod(kc, ns, pod.metadata!.name!)
  const answer = await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(pod))
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
}
const until = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 200 })

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, ns)
  await createNode(kc, node, { zone: ns })
  await custom.createClusterCustomObject({
    ...crd(PLURAL.subnet),
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'SpiderSubnet',
      metadata: { name: subnetName },
      spec: { subnet: CIDR, ips: ['198.18.120.100-198.18.120.109'], gateway: '198.18.120.1' },
    },
  })
  // Two services: two dispatchers reconcile every application at once, as two replicas would.
  for (let i = 0; i < 2; i++) services.push(await startService({ NODE_NAME: node, RESYNC_SECONDS: '3600', AUTO_POOL_DEFAULT_FLEXIBLE_IP_NUMBER: '1' }))
}, 120_000)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  for (const d of (await apps.listNamespacedDeployment({ namespace: ns })).items)
    await apps.deleteNamespacedDeployment({ namespace: ns, name: d.metadata!.name! })
  for (const s of (await apps.listNamespacedStatefulSet({ namespace: ns })).items)
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: s.metadata!.name! })
  await cleanUp(kc, { namespace: ns, pools: (await listPools()).map((p) => p.metadata.name), nodes: [node] })
  await deleteClusterObjects(kc, PLURAL.subnet, [subnetName])
})

describe('auto pools against the API server', () => {
  it('follows a Deployment: made with replicas + 1, grown, shrunk only by free addresses, deleted with it', async () => {
    const [service] = services as [RunningService]
    const d = await deployment('web', 2)
    const pool = await until(async () => {
      const p = await poolOf('web')
      expect(p?.spec.ips).toEqual(['198.18.120.100-198.18.120.102'])
      return p!
    })
    expect(pool.metadata.labels).toMatchObject({
      [LABEL.ownerApplicationUID]: d.metadata!.uid,
      [LABEL.ownerApplicationKind]: 'Deployment',
      [LABEL.interface]: 'eth0',
    })
    expect(pool.metadata.ownerReferences).toMatchObject([{ kind: 'SpiderSubnet', name: subnetName, controller: true }])
    expect(await entries()).toEqual({ [pool.metadata.name]: { ips: ['198.18.120.100-198.18.120.102'], application: `apps_v1_Deployment_${ns}_web` } })

    const pods = [await podOf(d, 'web-a'), await podOf(d, 'web-b')]
    const got = await Promise.all(pods.map((p) => add(service, p)))
    expect(got.map((a) => a.status)).toEqual([200, 200])
    expect(got.map((a) => a.body.ips[0].ipPool)).toEqual([pool.metadata.name, pool.metadata.name])
    expect(got.map((a) => a.body.ips[0].address).sort()).toEqual(['198.18.120.100/24', '198.18.120.101/24'])

    await scale('web', 5)
    await until(async () => expect((await poolOf('web'))?.spec.ips).toEqual(['198.18.120.100-198.18.120.105']))
    await scale('web', 0)
    // 1 wanted, 2 in use: it gives up the four free ones and waits.
    await until(async () => {
      const p = await poolOf('web')
      expect(p?.spec.ips).toEqual(['198.18.120.100-198.18.120.101'])
      expect(p?.spec.excludeIPs ?? []).toEqual([])
    })
    expect((await readSubnet()).status.allocatedIPCount).toBe(2)
    await release(service, pods[1]!)
    // Down to the one address still in use.
    const kept = Object.keys(poolRecords((await poolOf('web'))!))
    expect(kept).toHaveLength(1)
    await until(async () => {
      const p = await poolOf('web')
      expect(p?.spec.ips).toEqual(kept)
      expect(p?.spec.excludeIPs ?? []).toEqual([])
    })

    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'web' })
    // Held while a pod holds an address; gone once it is released, and the subnet is as it was.
    await until(async () => expect((await poolOf('web'))?.metadata.deletionTimestamp).toBeDefined())
    await release(service, pods[0]!)
    await until(async () => {
      expect(await poolOf('web')).toBeUndefined()
      expect(await entries()).toEqual({})
      expect((await readSubnet()).status.allocatedIPCount).toBe(0)
    })
  })

  it('gives two Deployments drawing from the 10-address subnet at once no shared address; the one that does not fit is told why', async () => {
    await Promise.all([deployment('left', 5), deployment('right', 5)])
    const [winner, loser] = await until(async () => {
      const made = await listPools()
      expect(made).toHaveLength(1)
      expect(made[0]?.spec.ips).toEqual(['198.18.120.100-198.18.120.105'])
      const name = made[0]!.metadata.labels![LABEL.ownerApplicationName]!
      return [name, name === 'left' ? 'right' : 'left']
    })
    const events = await until(async () => {
      const list = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${loser}` })).items
      expect(list.length).toBeGreaterThan(0)
      return list
    })
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'InsufficientIPs', involvedObject: { kind: 'Deployment', name: loser } })
    expect(events[0]?.message).toMatch(
      new RegExp(
        `^SpiderSubnet ${subnetName} has 4 free IPs, the IPv4 auto pool of Deployment ${ns}/${loser} for eth0 \\(auto4-${loser}-eth0-\\w{5}\\) needs 6 more`,
      ),
    )
    // The loser's pod is refused at once, with the same words.
    const refused = await add(services[1]!, await podOf(await apps.readNamespacedDeployment({ namespace: ns, name: loser }), `${loser}-a`))
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ code: 'ip-used-out' })

    // Room made: both fit, with disjoint addresses, and the subnet counts what they hold.
    await scale(winner, 2)
    await until(async () => {
      const made = await listPools()
      expect(made.map((p) => p.metadata.labels![LABEL.ownerApplicationName]).sort()).toEqual(['left', 'right'])
      expect((await readSubnet()).status.allocatedIPCount).toBe(9)
    })
    const made = await listPools()
    const addresses = made.flatMap((p) => p.spec.ips ?? [])
    expect(new Set(addresses).size).toBe(addresses.length)
    const counted = Object.values(await entries()).flatMap((e) => e.ips)
    expect(counted.sort()).toEqual(addresses.sort())
    await Promise.all(['left', 'right'].map((name) => apps.deleteNamespacedDeployment({ namespace: ns, name })))
    await until(async () => expect(await listPools()).toEqual([]))
  })

  it('keeps a StatefulSet\'s pool with ippool-reclaim "false" and hands it to a new StatefulSet of that name', async () => {
    const annotations = { ...subnetAnnotation, 'ipam.spidernet.io/ippool-ip-number': '+1', 'ipam.spidernet.io/ippool-reclaim': 'false' }
    const body = {
      metadata: { name: 'db' },
      spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db', annotations) },
    }
    const first = await apps.createNamespacedStatefulSet({ namespace: ns, body })
    const pool = await until(async () => {
      const p = await poolOf('db')
      expect(p?.spec.ips).toEqual(['198.18.120.100-198.18.120.101'])
      return p!
    })
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'db' })
    const second = await apps.createNamespacedStatefulSet({ namespace: ns, body })
    expect(second.metadata!.uid).not.toBe(first.metadata!.uid)
    await until(async () => {
      const p = await poolOf('db')
      expect(p?.metadata.name).toBe(pool.metadata.name)
      expect(p?.metadata.labels?.[LABEL.ownerApplicationUID]).toBe(second.metadata!.uid)
      expect(p?.spec.ips).toEqual(pool.spec.ips)
    })
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'db' })
    // Kept again: a pool of ippool-reclaim "false" outlives its application. Removed by hand.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect((await poolOf('db'))?.metadata.deletionTimestamp).toBeUndefined()
    await deleteClusterObjects(kc, PLURAL.ipPool, [pool.metadata.name])
    await until(async () => expect(await entries()).toEqual({}))
  })

  it('finishes what a crash left: a reservation without its pool gets it; a subnet that does not exist is refused at once', async () => {
    const d = await deployment('late', 0, { ...subnetAnnotation, 'ipam.spidernet.io/ippool-ip-number': '2' })
    const name = await until(async () => {
      const p = await poolOf('late')
      expect(p).toBeDefined()
      return p!.metadata.name
    })
    // As if the service stopped between the subnet's write and the pool's creation.
    await deleteClusterObjects(kc, PLURAL.ipPool, [name])
    await until(async () => expect((await poolOf('late'))?.spec.ips).toEqual(['198.18.120.100-198.18.120.101']))
    expect(Object.keys(await entries())).toEqual([name])

    const missing = await podOf(await deployment('lost', 1, { 'ipam.spidernet.io/subnet': JSON.stringify({ ipv4: ['no-such-subnet'] }) }), 'lost-a')
    const answer = await add(services[0]!, missing)
    expect(answer.body).toEqual({
      code: 'no-pool',
      message: `SpiderSubnet no-such-subnet does not exist: Deployment ${ns}/lost names it for the IPv4 auto pool of eth0`,
    })
    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'lost' })
    await apps.deleteNamespacedDeployment({ namespace: ns, name: d.metadata!.name! })
    await until(async () => expect(await entries()).toEqual({}))
  })

  it("refuses, through the webhooks, a user's edit of an auto pool's addresses, and lets the service shrink it", async () => {
    // Judged: the pools of this file's subnet (the label every auto pool of it carries).
    const webhooks = await startWebhooks(kc, `${ns}-wh`, { NODE_NAME: node, RESYNC_SECONDS: '3600' }, 'node', { [LABEL.ownerSpiderSubnet]: subnetName })
    try {
      await deployment('guarded', 2)
      const pool = await until(async () => {
        const p = await poolOf('guarded')
        expect(p?.spec.ips).toEqual(['198.18.120.100-198.18.120.102'])
        return p!
      })
      // A user (impersonated: the tests' admin is the user the services run as).
      const asUser = ['--as=jane', '--as-group=system:masters']
      for (const patch of [{ spec: { ips: ['198.18.120.100-198.18.120.104'] } }, { spec: { excludeIPs: ['198.18.120.102'] } }]) {
        const edit = kubectl([...asUser, 'patch', 'spiderippool', pool.metadata.name, '--type=merge', '-p', JSON.stringify(patch)])
        expect(edit.status).not.toBe(0)
        expect(edit.stderr).toBe(
          `The SpiderIPPool "${pool.metadata.name}" is invalid: spec.ips: Forbidden: it's illegal to update AutoPool.Spec.IPs that are different from corresponding SpiderSubnet.Status.ControlledIPPools`,
        )
      }
      // A label is not the addresses: allowed.
      expect(kubectl([...asUser, 'label', 'spiderippool', pool.metadata.name, 'team=a']).status).toBe(0)
      await scale('guarded', 0)
      await until(async () => expect((await poolOf('guarded'))?.spec.ips).toEqual(['198.18.120.100']))
      expect(webhooks.service.output()).not.toMatch(/cannot tell which user/)
      await apps.deleteNamespacedDeployment({ namespace: ns, name: 'guarded' })
      await until(async () => expect(await entries()).toEqual({}))
    } finally {
      await webhooks.remove()
    }
  })
})
