// Auto pools on the local cluster, with the real controllers making the pods: SpiderSubnets of
// the zones' own networks (198.18.6.0/24 and 198.18.7.0/24, addresses .100 and up, which no other
// test file uses), applications that name them, and Spinneret's DaemonSet following them.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LABEL, PLURAL, parseControlledIPPools, parseSpiderIPPool, parseSpiderSubnet, type SpiderIPPool } from '../../shared/api/index.ts'
import { deleteClusterObjects, poolRecords, unique } from '../support/cluster.ts'
import { clusterKubeConfig, eventually, kubectl, noPods, runningPods, testNamespace } from '../support/local-cluster.ts'

const kc = clusterKubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const apps = kc.makeApiClient(k8s.AppsV1Api)
const batch = kc.makeApiClient(k8s.BatchV1Api)
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const ns = unique('autopool')
const SUBNET_6 = `${ns}-6`
// Ten addresses: the "one 10-address subnet".
const SUBNET_7 = `${ns}-7`
const crd = (plural: string) => ({ group: 'spiderpool.spidernet.io', version: 'v2beta1', plural })
let removeNamespace: () => Promise<void>

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)

const podSpec = (zone: 6 | 7): k8s.V1PodSpec => ({
  nodeSelector: { 'node-subnet': `subnet-${zone}` },
  terminationGracePeriodSeconds: 1,
  containers: [{ name: 'c', image: 'localhost/spinneret/busybox:1.35', imagePullPolicy: 'Never', command: ['sleep', '3600'] }],
})
const template = (app: string, subnet: string, zone: 6 | 7, extra: Record<string, string> = {}): k8s.V1PodTemplateSpec => ({
  metadata: { labels: { app }, annotations: { 'ipam.spidernet.io/subnet': JSON.stringify({ ipv4: [subnet] }), ...extra } },
  spec: podSpec(zone),
})

const readSubnet = async (name: string) => parseSpiderSubnet(await custom.getClusterCustomObject({ ...crd(PLURAL.subnet), name }))
const autoPools = async (): Promise<SpiderIPPool[]> =>
  ((await custom.listClusterCustomObject(crd(PLURAL.ipPool))) as { items: unknown[] }).items
    .map(parseSpiderIPPool)
    .filter((p) => p.metadata.labels?.[LABEL.ownerApplicationNamespace] === ns)
const poolOf = async (app: string) => (await autoPools()).find((p) => p.metadata.labels?.[LABEL.ownerApplicationName] === app)
/** The pool's addresses once they are exactly `ips`. */
const poolBecomes = (app: string, ips: string[]) =>
  eventually(
    `the auto pool of ${app} to hold ${ips.join(',')}`,
    async () => {
      const pool = await poolOf(app)
      return JSON.stringify(pool?.spec.ips) === JSON.stringify(ips) && (pool?.spec.excludeIPs ?? []).length === 0 ? pool : undefined
    },
    { lastSeen: () => app },
  )
const ipsOf = (pods: k8s.V1Pod[]) => Object.fromEntries(pods.map((p) => [p.metadata!.name!, p.status!.podIP!]))
const scaleDeployment = (name: string, replicas: number) => apps.patchNamespacedDeploymentScale({ namespace: ns, name, body: { spec: { replicas } } }, merge)

/** The kubelet's sandbox failures of a pod: the ADD's refusal, as `kubectl describe pod` shows it. */
const sandboxErrors = async (selector: string) => {
  const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items
  const events = (await core.listNamespacedEvent({ namespace: ns })).items
  return events.filter((e) => e.reason === 'FailedCreatePodSandBox' && pods.some((p) => p.metadata?.uid === e.involvedObject.uid)).map((e) => e.message ?? '')
}

beforeAll(async () => {
  removeNamespace = await testNamespace(kc, ns)
  for (const [name, zone, ips] of [
    [SUBNET_6, 6, '198.18.6.100-198.18.6.199'],
    [SUBNET_7, 7, '198.18.7.100-198.18.7.109'],
  ] as const) {
    await custom.createClusterCustomObject({
      ...crd(PLURAL.subnet),
      body: {
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        kind: 'SpiderSubnet',
        metadata: { name },
        spec: { subnet: `198.18.${zone}.0/24`, ips: [ips], gateway: `198.18.${zone}.1` },
      },
    })
  }
})

afterAll(async () => {
  await removeNamespace?.()
  // Kept pools (ippool-reclaim "false") outlive their applications: the test removes them.
  await eventually(
    'the auto pools of the namespace gone',
    async () => {
      const left = await autoPools()
      await deleteClusterObjects(
        kc,
        PLURAL.ipPool,
        left.filter((p) => p.metadata.labels?.[LABEL.ippoolReclaim] === 'false').map((p) => p.metadata.name),
      )
      return left.length === 0 ? true : undefined
    },
    { timeoutMs: 120_000 },
  )
  await deleteClusterObjects(kc, PLURAL.subnet, [SUBNET_6, SUBNET_7])
})

describe('auto pools on the local cluster', () => {
  it('follows a Deployment scaled 2 -> 5 -> 1: the pool grows and shrinks, pods keep their addresses', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: template('web', SUBNET_6, 6, { 'ipam.spidernet.io/ippool-ip-number': '+1' }),
        },
      },
    })
    const two = ipsOf(await runningPods(kc, ns, 'app=web', 2))
    const pool = await poolBecomes('web', ['198.18.6.100-198.18.6.102'])
    expect(Object.values(two).sort()).toEqual(['198.18.6.100', '198.18.6.101'])
    expect(pool.metadata.ownerReferences).toMatchObject([{ kind: 'SpiderSubnet', name: SUBNET_6, controller: true }])
    expect(await kubectl(['get', 'spiderippool', pool.metadata.name])).toMatch(
      new RegExp(`^${pool.metadata.name}\\s+4\\s+198\\.18\\.6\\.0/24\\s+2\\s+3\\s+false\\s+false`, 'm'),
    )

    await scaleDeployment('web', 5)
    const five = ipsOf(await runningPods(kc, ns, 'app=web', 5))
    await poolBecomes('web', ['198.18.6.100-198.18.6.105'])
    for (const [name, ip] of Object.entries(two)) expect(five[name]).toBe(ip)

    await scaleDeployment('web', 1)
    const [survivor] = await runningPods(kc, ns, 'app=web', 1)
    expect(survivor!.status!.podIP).toBe(five[survivor!.metadata!.name!])
    // Two wanted (1 + 1); of the six, only free ones leave: the survivor's stays.
    const shrunk = await eventually("the pool down to two, holding the survivor's address alone", async () => {
      const p = await poolOf('web')
      const held = p ? Object.keys(poolRecords(p)) : []
      return p?.spec.ips && countOf(p.spec.ips) === 2 && (p.spec.excludeIPs ?? []).length === 0 && held.join() === survivor!.status!.podIP ? p : undefined
    })
    expect(expand(shrunk.spec.ips!)).toContain(survivor!.status!.podIP)
    const subnet = await readSubnet(SUBNET_6)
    expect(parseControlledIPPools(subnet.status.controlledIPPools, SUBNET_6)[shrunk.metadata.name]?.ips).toEqual(shrunk.spec.ips)
    expect(subnet.status.allocatedIPCount).toBe(2)

    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'web' })
    await noPods(kc, ns, 'app=web')
    await eventually('the pool of web gone and the subnet empty', async () =>
      !(await poolOf('web')) && (await readSubnet(SUBNET_6)).status.allocatedIPCount === 0 ? true : undefined,
    )
  })

  it('gives a StatefulSet with "+1" its addresses back on restart, and to a new StatefulSet of its name (ippool-reclaim "false")', async () => {
    const body = {
      metadata: { name: 'db' },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: template('db', SUBNET_6, 6, { 'ipam.spidernet.io/ippool-ip-number': '+1', 'ipam.spidernet.io/ippool-reclaim': 'false' }),
      },
    }
    await apps.createNamespacedStatefulSet({ namespace: ns, body })
    const first = ipsOf(await runningPods(kc, ns, 'app=db', 2))
    const pool = await poolBecomes('db', ['198.18.6.100-198.18.6.102'])
    await core.deleteNamespacedPod({ namespace: ns, name: 'db-0' })
    await eventually('db-0 back', async () => {
      const pod = await core.readNamespacedPod({ namespace: ns, name: 'db-0' }).catch(() => undefined)
      return pod?.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && pod.status.podIP ? pod : undefined
    })
    expect(ipsOf(await runningPods(kc, ns, 'app=db', 2))).toEqual(first)

    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'db' })
    await noPods(kc, ns, 'app=db')
    expect((await poolOf('db'))?.metadata.deletionTimestamp).toBeUndefined()
    const second = await apps.createNamespacedStatefulSet({ namespace: ns, body })
    expect(ipsOf(await runningPods(kc, ns, 'app=db', 2))).toEqual(first)
    const taken = await poolOf('db')
    expect(taken?.metadata.name).toBe(pool.metadata.name)
    expect(taken?.metadata.labels?.[LABEL.ownerApplicationUID]).toBe(second.metadata!.uid)
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'db' })
    await noPods(kc, ns, 'app=db')
    // Kept again; removed by hand, its reservation goes with it.
    expect((await poolOf('db'))?.metadata.deletionTimestamp).toBeUndefined()
    await eventually('the kept pool deleted and its reservation dropped', async () => {
      await deleteClusterObjects(kc, PLURAL.ipPool, [pool.metadata.name])
      return (await readSubnet(SUBNET_6)).status.allocatedIPCount === 0 ? true : undefined
    })
  })

  it('gives two Deployments drawing from one 10-address subnet at once no shared address; the one that does not fit is refused, clearly', async () => {
    const deploy = (name: string) =>
      apps.createNamespacedDeployment({
        namespace: ns,
        body: { metadata: { name }, spec: { replicas: 5, selector: { matchLabels: { app: name } }, template: template(name, SUBNET_7, 7) } },
      })
    await Promise.all([deploy('left'), deploy('right')])
    const winner = await eventually('one pool made', async () => {
      const pools = (await autoPools()).filter((p) => p.spec.subnet === '198.18.7.0/24')
      return pools.length === 1 ? pools[0]!.metadata.labels![LABEL.ownerApplicationName]! : undefined
    })
    const loser = winner === 'left' ? 'right' : 'left'
    const running = await runningPods(kc, ns, `app=${winner}`, 5)
    expect(new Set(running.map((p) => p.status!.podIP)).size).toBe(5)
    expect((await poolOf(winner))?.spec.ips).toEqual(['198.18.7.100-198.18.7.105'])
    // The loser's pods get the ADD's refusal from the kubelet, its Deployment an Event.
    const refusal = new RegExp(
      `SpiderSubnet ${SUBNET_7} has 4 free IPs, the IPv4 auto pool of Deployment ${ns}/${loser} for eth0 \\(auto4-${loser}-eth0-\\w{5}\\) needs 6 more`,
    )
    await eventually(`the refusal on the pods of ${loser}`, async () => ((await sandboxErrors(`app=${loser}`)).some((m) => refusal.test(m)) ? true : undefined))
    const told = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.kind=Deployment,involvedObject.name=${loser}` })).items
    expect(told.some((e) => e.type === 'Warning' && e.reason === 'InsufficientIPs' && refusal.test(e.message ?? ''))).toBe(true)
    expect(await poolOf(loser)).toBeUndefined()
    const subnet = await readSubnet(SUBNET_7)
    expect(subnet.status).toMatchObject({ allocatedIPCount: 6, totalIPCount: 10 })
    expect(Object.keys(parseControlledIPPools(subnet.status.controlledIPPools, SUBNET_7))).toEqual([(await poolOf(winner))!.metadata.name])

    // Room made: the loser fits and runs; no address is in both pools.
    await scaleDeployment(winner, 2)
    await scaleDeployment(loser, 2)
    const all = [...(await runningPods(kc, ns, `app=${winner}`, 2)), ...(await runningPods(kc, ns, `app=${loser}`, 2, 120_000))]
    expect(new Set(all.map((p) => p.status!.podIP)).size).toBe(4)
    await eventually('both pools of three, disjoint, counted by the subnet', async () => {
      const pools = (await autoPools()).filter((p) => p.spec.subnet === '198.18.7.0/24')
      const addresses = pools.flatMap((p) => expand(p.spec.ips ?? []))
      const counted = (await readSubnet(SUBNET_7)).status.allocatedIPCount
      return pools.length === 2 && addresses.length === 6 && new Set(addresses).size === 6 && counted === 6 ? true : undefined
    })
    for (const name of ['left', 'right']) await apps.deleteNamespacedDeployment({ namespace: ns, name })
    for (const name of ['left', 'right']) await noPods(kc, ns, `app=${name}`)
    await eventually('the 10-address subnet empty again', async () => ((await readSubnet(SUBNET_7)).status.allocatedIPCount === 0 ? true : undefined))
  })

  it('serves DaemonSet, Job and CronJob pods from their auto pools; deleting them frees the subnet', async () => {
    // On both nodes: its pool is sized by the nodes it runs on.
    const everywhere = template('agent', SUBNET_6, 6)
    delete everywhere.spec!.nodeSelector
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: everywhere } },
    })
    const jobTemplate = (app: string): k8s.V1PodTemplateSpec => {
      const t = template(app, SUBNET_6, 6)
      return { ...t, spec: { ...t.spec!, restartPolicy: 'Never', containers: [{ ...t.spec!.containers[0]!, command: ['sleep', '5'] }] } }
    }
    await batch.createNamespacedJob({ namespace: ns, body: { metadata: { name: 'once' }, spec: { template: jobTemplate('once') } } })
    await batch.createNamespacedCronJob({
      namespace: ns,
      body: { metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: jobTemplate('nightly') } } } },
    })
    // A run now, as an operator starts one (kubectl makes the CronJob its controller).
    await kubectl(['-n', ns, 'create', 'job', 'nightly-now', '--from=cronjob/nightly'])

    const agents = await runningPods(kc, ns, 'app=agent', 2)
    const jobPods = await eventually('the Job and CronJob pods with addresses', async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app in (once,nightly)' })).items
      return pods.length === 2 && pods.every((p) => p.status?.podIP) ? pods : undefined
    })
    for (const [app, pods] of [
      ['agent', agents],
      ['once', jobPods.filter((p) => p.metadata?.labels?.app === 'once')],
      ['nightly', jobPods.filter((p) => p.metadata?.labels?.app === 'nightly')],
    ] as const) {
      const pool = await poolOf(app)
      expect(pool, `the auto pool of ${app}`).toBeDefined()
      for (const pod of pods) expect(expand(pool!.spec.ips ?? []), `${pod.metadata?.name} from ${pool!.metadata.name}`).toContain(pod.status!.podIP)
    }
    // Sized as Spiderpool sizes them: the DaemonSet by its nodes, Job and CronJob by completions, + 1.
    expect(countOf((await poolOf('agent'))!.spec.ips!)).toBe(3)
    expect((await poolOf('nightly'))!.metadata.labels?.[LABEL.ownerApplicationKind]).toBe('CronJob')

    await apps.deleteNamespacedDaemonSet({ namespace: ns, name: 'agent' })
    await batch.deleteNamespacedJob({ namespace: ns, name: 'once', propagationPolicy: 'Foreground' })
    await batch.deleteNamespacedCronJob({ namespace: ns, name: 'nightly', propagationPolicy: 'Foreground' })
    await eventually(
      'their pools gone and the subnet empty',
      async () => ((await autoPools()).length === 0 && (await readSubnet(SUBNET_6)).status.allocatedIPCount === 0 ? true : undefined),
      { timeoutMs: 90_000 },
    )
  }, 240_000)

  it('refuses, clearly and creating nothing, an application naming a subnet that does not exist', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: { metadata: { name: 'lost' }, spec: { replicas: 1, selector: { matchLabels: { app: 'lost' } }, template: template('lost', 'no-such-subnet', 6) } },
    })
    const refusal = `SpiderSubnet no-such-subnet does not exist: Deployment ${ns}/lost names it for the IPv4 auto pool of eth0`
    await eventually('the refusal on the pod', async () => ((await sandboxErrors('app=lost')).some((m) => m.includes(refusal)) ? true : undefined))
    const told = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=lost' })).items
    expect(told.some((e) => e.type === 'Warning' && e.reason === 'SubnetNotFound')).toBe(true)
    expect(await poolOf('lost')).toBeUndefined()
    await apps.deleteNamespacedDeployment({ namespace: ns, name: 'lost' })
    await noPods(kc, ns, 'app=lost')
  })
})

/** Every address of `ips` entries (small IPv4 ranges only). */
function expand(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const [from, to = from] = entry.split('-') as [string, string?]
    const prefix = from.split('.').slice(0, 3).join('.')
    const [a, b] = [Number(from.split('.')[3]), Number(to.split('.')[3])]
    return Array.from({ length: b - a + 1 }, (_, i) => `${prefix}.${a + i}`)
  })
}
const countOf = (entries: readonly string[]) => expand(entries).length
