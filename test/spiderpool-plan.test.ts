// Spiderpool's own end-to-end plan (its test/doc/*.md), case by case where the case is about what
// the IPAM decides: pods as API objects, the real service and API server, the IPAM API as a
// plugin calls it. Each test names its Spiderpool case IDs; docs/spiderpool-coverage.md maps
// every ID of the plan, these and the others.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  applyManifests,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  kubeConfig,
  readPool,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { ipamCall, startService, type IpamAnswer, type RunningService } from './support/service.ts'

const kc = kubeConfig()
const run = unique('plan')
const node = `${run}-node`
const zoneLabel = 'plan.spinneret.test/zone'
const ns = { a: `${run}-a`, b: `${run}-b`, c: `${run}-c` }
const made = { pools: [] as string[], reserved: [] as string[] }
let service: RunningService

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
  await createNode(kc, node, { [zoneLabel]: run })
  await createNamespace(kc, ns.a, {}, { team: 'a' })
  await createNamespace(kc, ns.b, {}, { team: 'b' })
  service = await startService()
}, 120_000)

afterAll(async () => {
  await service?.stop()
  const core = kc.makeApiClient(k8s.CoreV1Api)
  for (const namespace of Object.values(ns)) await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => {})
  await deleteClusterObjects(kc, 'spiderippools', made.pools)
  await deleteClusterObjects(kc, 'spiderreservedips', made.reserved)
  await core.deleteNode({ name: node }).catch(() => {})
}, 120_000)

interface Pool {
  name: string
  /** What every address of the pool starts with. */
  prefix: string
  first: string
}

let pools = 0
/** A pool of its own /24 (IPv4, 198.19.100+n.0/24) or /64 (IPv6) with ten addresses. */
async function newPool(spec: Record<string, unknown> = {}, { v6 = false, name = `${run}-p${pools + 1}` } = {}): Promise<Pool> {
  const n = ++pools
  const [subnet, ips, prefix, first] = v6
    ? [`fd00:19:${n}::/64`, `fd00:19:${n}::10-fd00:19:${n}::19`, `fd00:19:${n}::1`, `fd00:19:${n}::10`]
    : [`198.19.${100 + n}.0/24`, `198.19.${100 + n}.10-198.19.${100 + n}.19`, `198.19.${100 + n}.1`, `198.19.${100 + n}.10`]
  await createPool(kc, name, { ...(v6 ? { ipVersion: 6 } : {}), subnet, ips: [ips], ...spec })
  made.pools.push(name)
  return { name, prefix, first }
}

let pods = 0
async function newPod(namespace: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}) {
  const pod = await createPod(kc, { namespace, name: `pod-${++pods}`, nodeName: node, annotations, labels })
  return { namespace, name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' }
}
type Pod = Awaited<ReturnType<typeof newPod>>

const body = (pod: Pod, extra: Record<string, unknown> = {}) => ({
  containerID: `ctr-${pod.uid}`,
  ifName: 'eth0',
  netNamespace: `/var/run/netns/${pod.name}`,
  podNamespace: pod.namespace,
  podName: pod.name,
  podUID: pod.uid,
  ...extra,
})
const add = (pod: Pod, extra: Record<string, unknown> = {}) => ipamCall(service.socket, 'POST', '/v1/ipam/ip', body(pod, extra))
const del = (pod: Pod, extra: Record<string, unknown> = {}) => ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', body(pod, extra))

const addresses = (answer: IpamAnswer): string[] => {
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return (answer.body.ips as { address: string }[]).map((ip) => ip.address.split('/')[0] ?? '')
}
const expectFrom = (answer: IpamAnswer, ...from: Pool[]) => {
  const got = addresses(answer)
  expect(got).toHaveLength(from.length)
  from.forEach((pool, i) => expect(got[i]?.startsWith(pool.prefix), `${got[i]} from ${pool.name}`).toBe(true))
}
const expectRefusal = (answer: IpamAnswer, message: RegExp) => {
  expect(answer.status, JSON.stringify(answer.body)).not.toBe(200)
  expect(answer.body.message).toMatch(message)
}
const ippool = (ipv4: string[], ipv6: string[] = []) => ({ 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4, ...(ipv6.length ? { ipv6 } : {}) }) })
const patchPool = (name: string, spec: Record<string, unknown>) =>
  kc
    .makeApiClient(k8s.CustomObjectsApi)
    .patchClusterCustomObject(
      { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools', name, body: { spec } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )

describe('ippool (D)', () => {
  it('D00005: a disabled pool gives no address but still takes one back', async () => {
    const pool = await newPool()
    const holder = await newPod(ns.a, ippool([pool.name]))
    expectFrom(await add(holder), pool)
    await patchPool(pool.name, { disable: true })
    expectRefusal(await add(await newPod(ns.a, ippool([pool.name]))), new RegExp(`disabled IPPool ${pool.name}`))
    await terminatePod(kc, ns.a, holder.name)
    expect((await del(holder)).status).toBe(200)
    expect((await readPool(kc, pool.name)).status.allocatedIPCount).toBe(0)
  })

  it('D00009, D00010: multusName must name the network of the NIC', async () => {
    const pool = await newPool({ multusName: ['kube-system/macvlan-conf'] })
    const network = (name: string) => ({ ...ippool([pool.name]), 'v1.multus-cni.io/default-network': name })
    expectFrom(await add(await newPod(ns.a, network('kube-system/macvlan-conf'))), pool)
    expectRefusal(await add(await newPod(ns.a, network('kube-system/other'))), /unmatched multusCR kube-system\/other/)
  })

  it('D00011, D00012, D00013: nodeName must list the node, and wins over nodeAffinity', async () => {
    const here = await newPool({ nodeName: [node], nodeAffinity: { matchLabels: { [zoneLabel]: 'elsewhere' } } })
    const there = await newPool({ nodeName: ['elsewhere'] })
    expectFrom(await add(await newPod(ns.a, ippool([here.name]))), here)
    expectRefusal(await add(await newPod(ns.a, ippool([there.name]))), new RegExp(`unmatched Node name of IPPool ${there.name}`))
  })

  it('D00014, D00015, D00016: namespaceName must list the namespace, and wins over namespaceAffinity', async () => {
    const pool = await newPool({ namespaceName: [ns.a], namespaceAffinity: { matchLabels: { team: 'b' } } })
    expectFrom(await add(await newPod(ns.a, ippool([pool.name]))), pool)
    expectRefusal(await add(await newPod(ns.b, ippool([pool.name]))), new RegExp(`unmatched Namespace name of IPPool ${pool.name}`))
  })
})

describe('affinity (L)', () => {
  it('L00001, L00002: nodeAffinity', async () => {
    const match = await newPool({ nodeAffinity: { matchLabels: { [zoneLabel]: run } } })
    const miss = await newPool({ nodeAffinity: { matchExpressions: [{ key: zoneLabel, operator: 'NotIn', values: [run] }] } })
    expectFrom(await add(await newPod(ns.a, ippool([match.name]))), match)
    expectRefusal(await add(await newPod(ns.a, ippool([miss.name]))), new RegExp(`unmatched Node affinity of IPPool ${miss.name}`))
  })

  it('L00003, L00004: namespaceAffinity', async () => {
    const pool = await newPool({ namespaceAffinity: { matchLabels: { team: 'a' } } })
    expectFrom(await add(await newPod(ns.a, ippool([pool.name]))), pool)
    expectRefusal(await add(await newPod(ns.b, ippool([pool.name]))), new RegExp(`unmatched Namespace affinity of IPPool ${pool.name}`))
  })

  it('L00005, L00006: podAffinity', async () => {
    const pool = await newPool({ podAffinity: { matchLabels: { app: 'web' } } })
    expectFrom(await add(await newPod(ns.a, ippool([pool.name]), { app: 'web' })), pool)
    expectRefusal(await add(await newPod(ns.a, ippool([pool.name]), { app: 'db' })), new RegExp(`unmatched Pod affinity of IPPool ${pool.name}`))
  })

  it('L00009: one pool serves several namespaces; one namespace uses several pools', async () => {
    const shared = await newPool({ namespaceName: [ns.a, ns.b] })
    expectFrom(await add(await newPod(ns.a, ippool([shared.name]))), shared)
    expectFrom(await add(await newPod(ns.b, ippool([shared.name]))), shared)
    const tiny = await newPool({ ips: [] })
    await patchPool(tiny.name, { ips: [tiny.first] })
    const other = await newPool()
    expectFrom(await add(await newPod(ns.a, ippool([tiny.name, other.name]))), tiny)
    expectFrom(await add(await newPod(ns.a, ippool([tiny.name, other.name]))), other)
  })

  it("candidates are tried in Spiderpool's priority: an affinity pool before a plain one, the user's order among equals", async () => {
    const plain = await newPool()
    const zoned = await newPool({ nodeAffinity: { matchLabels: { [zoneLabel]: run } } })
    const zoned2 = await newPool({ nodeAffinity: { matchLabels: { [zoneLabel]: run } } })
    expectFrom(await add(await newPod(ns.a, ippool([plain.name, zoned2.name, zoned.name]))), zoned2)
  })
})

describe('reservedip (S)', () => {
  it('S00001, S00002: neither a SpiderReservedIP nor an excluded IP is handed out', async () => {
    const reserved = await newPool()
    const name = `${run}-reserved`
    await kc.makeApiClient(k8s.CustomObjectsApi).createClusterCustomObject({
      group: 'spiderpool.spidernet.io',
      version: 'v2beta1',
      plural: 'spiderreservedips',
      body: { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderReservedIP', metadata: { name }, spec: { ipVersion: 4, ips: [reserved.first] } },
    })
    made.reserved.push(name)
    expect(addresses(await add(await newPod(ns.a, ippool([reserved.name]))))).not.toContain(reserved.first)
    const excluding = await newPool()
    await patchPool(excluding.name, { excludeIPs: [excluding.first] })
    expect(addresses(await add(await newPod(ns.a, ippool([excluding.name]))))).not.toContain(excluding.first)
  })
})

describe('annotation (A)', () => {
  it('A00004: pod annotation, then namespace annotation, then the CNI config', async () => {
    const [byPod, byNs, byCni] = [await newPool(), await newPool(), await newPool()]
    await createNamespace(kc, ns.c, { 'ipam.spidernet.io/default-ipv4-ippool': JSON.stringify([byNs.name]) })
    const cni = { defaultIPv4IPPool: [byCni.name] }
    expectFrom(await add(await newPod(ns.c, ippool([byPod.name])), cni), byPod)
    expectFrom(await add(await newPod(ns.c), cni), byNs)
    expectFrom(await add(await newPod(ns.a), cni), byCni)
  })

  it('A00005: ippools wins over ippool', async () => {
    const [one, many] = [await newPool(), await newPool()]
    const annotations = { ...ippool([one.name]), 'ipam.spidernet.io/ippools': JSON.stringify([{ interface: 'eth0', ipv4: [many.name] }]) }
    expectFrom(await add(await newPod(ns.a, annotations)), many)
  })

  it('A00006, A00007: the namespace annotation (wildcards too) wins over the cluster default pools', async () => {
    const fallback = await newPool({ default: true, namespaceName: [ns.a] })
    const wild = await newPool({}, { name: `${run}-wild-x` })
    const wildNs = `${run}-wild`
    await createNamespace(kc, wildNs, { 'ipam.spidernet.io/default-ipv4-ippool': JSON.stringify([`${run}-wild-*`]) })
    expectFrom(await add(await newPod(wildNs)), wild)
    expectFrom(await add(await newPod(ns.a)), fallback)
    await patchPool(fallback.name, { default: false })
  })

  it('A00013, A00014, A00015: ippools must list the NIC, once; wildcards work there too', async () => {
    const pool = await newPool({}, { name: `${run}-nics-x` })
    const ippools = (entries: unknown[]) => ({ 'ipam.spidernet.io/ippools': JSON.stringify(entries) })
    expectRefusal(await add(await newPod(ns.a, ippools([{ interface: 'net1', ipv4: [pool.name] }]))), /interface eth0 must be specified/)
    expectRefusal(
      await add(
        await newPod(
          ns.a,
          ippools([
            { interface: 'eth0', ipv4: [pool.name] },
            { interface: 'eth0', ipv4: [pool.name] },
          ]),
        ),
      ),
      /duplicate interface eth0/,
    )
    expectFrom(await add(await newPod(ns.a, ippools([{ interface: 'eth0', ipv4: [`${run}-nics-*`] }]))), pool)
  })

  it('A00016: a NIC whose pool is used out takes nothing from the other NICs', async () => {
    const [roomy, tiny] = [await newPool(), await newPool()]
    await patchPool(tiny.name, { ips: [tiny.first] })
    const annotations = {
      'ipam.spidernet.io/ippools': JSON.stringify([
        { interface: 'eth0', ipv4: [roomy.name] },
        { interface: 'net1', ipv4: [tiny.name] },
      ]),
    }
    addresses(await add(await newPod(ns.a, annotations)))
    expectRefusal(await add(await newPod(ns.a, annotations)), /all IP addresses used out/)
    expect((await readPool(kc, roomy.name)).status.allocatedIPCount).toBe(1)
  })
})

describe('assignip (E)', () => {
  it('E00001, E00009: IPv4, IPv6 or both, as the annotation asks', async () => {
    const [v4, v6] = [await newPool(), await newPool({}, { v6: true })]
    expectFrom(await add(await newPod(ns.a, ippool([v4.name]))), v4)
    expectFrom(await add(await newPod(ns.a, ippool([], [v6.name]))), v6)
    expectFrom(await add(await newPod(ns.a, ippool([v4.name], [v6.name]))), v4, v6)
  })

  it('E00008: a pod whose pools are used out gets no address', async () => {
    const pool = await newPool()
    await patchPool(pool.name, { ips: [pool.first] })
    addresses(await add(await newPod(ns.a, ippool([pool.name]))))
    expectRefusal(await add(await newPod(ns.a, ippool([pool.name]))), /all IP addresses used out/)
  })
})
