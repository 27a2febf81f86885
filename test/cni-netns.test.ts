// The CNI protocol in network namespaces: the reference macvlan plugin, run inside a node's
// namespace, calls the compiled plugin (dist/cni/spinneret) as its IPAM, which asks the real
// service, which allocates from pools in the real API server. Two zones behind one router. The
// verbs a runtime seldom shows (CHECK, a repeated DEL, DEL while the service is down) are driven
// here directly; test/cluster/ has the same path driven by real kubelets and containerd.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCni } from '../scripts/build-cni.ts'
import {
  applyManifests,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  kubeConfig,
  poolRecords,
  readPool,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { startService, type RunningService } from './support/service.ts'
import {
  addressesOf,
  assertUnderlayPrerequisites,
  createUnderlay,
  ping,
  referencePluginDir,
  routesOf,
  type CniOutcome,
  type Underlay,
  type UnderlayPod,
} from './support/underlay.ts'

const kc = kubeConfig()
// The plugin's log, not in this machine's /var/log/spidernet (its default, as Spiderpool's).
const pluginLog = join(tmpdir(), `${unique('spinneret-e2e')}.log`)
const distDir = resolve(import.meta.dirname, '../dist/cni')
const cniPath = [referencePluginDir, distDir]
const run = unique('e2e')
const namespace = run
const zoneLabel = 'spinneret.test/zone'
const zones = [
  { key: 'a', name: `${run}-a`, subnet: '198.18.6.0/24', gateway: '198.18.6.1', ips: '198.18.6.10-198.18.6.19', node: `${run}-node-a` },
  { key: 'b', name: `${run}-b`, subnet: '198.18.7.0/24', gateway: '198.18.7.1', ips: '198.18.7.10-198.18.7.19', node: `${run}-node-b` },
] as const
const poolNames = zones.map((z) => `${run}-pool-${z.key}`)
const inPool = (zone: (typeof zones)[number]) => new RegExp(`^${zone.subnet.split('.').slice(0, 3).join('\\.')}\\.1\\d$`)

let underlay: Underlay | undefined
let service: RunningService | undefined
const podUIDs = new Map<string, string>()

beforeAll(async () => {
  // Fail, never skip, naming what to install; the binary is built from the current source.
  assertUnderlayPrerequisites()
  buildCni()
  if (!existsSync(join(distDir, 'spinneret'))) throw new Error(`${distDir}/spinneret missing after npm run build:cni`)

  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, namespace)
  for (const [i, zone] of zones.entries()) {
    await createNode(kc, zone.node, { [zoneLabel]: zone.name })
    await createPool(kc, poolNames[i]!, {
      ipVersion: 4,
      subnet: zone.subnet,
      gateway: zone.gateway,
      ips: [zone.ips],
      nodeAffinity: { matchLabels: { [zoneLabel]: zone.name } },
    })
  }
  service = await startService()
  underlay = await createUnderlay({
    zones: zones.map((z) => ({ name: z.name, subnet: z.subnet, gateway: z.gateway, nodes: [z.node] })),
  })
}, 300_000)

afterAll(async () => {
  const errors: unknown[] = []
  const attempt = async (step: () => Promise<unknown> | undefined) => {
    try {
      await step()
    } catch (e) {
      errors.push(e)
    }
  }
  await attempt(() => underlay?.teardown())
  rmSync(pluginLog, { force: true })
  await attempt(() => service?.stop())
  await attempt(() => deleteClusterObjects(kc, 'spiderippools', poolNames))
  const core = kc.makeApiClient(k8s.CoreV1Api)
  // No kubelet confirms a graceful deletion: pods go at once. The namespace stays (no namespace
  // controller would ever finalize it), empty.
  for (const name of podUIDs.keys()) {
    await attempt(() => core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(ignore404))
  }
  for (const zone of zones) await attempt(() => core.deleteNode({ name: zone.node }).catch(ignore404))
  if (errors.length > 0) throw new AggregateError(errors, 'e2e cleanup failed')
}, 120_000)

const ignore404 = (e: unknown) => {
  if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
}

/** A Pod object on the zone's node naming both pools in order, and its network namespace. */
async function makePod(name: string, zone: (typeof zones)[number]): Promise<UnderlayPod> {
  const pod = await createPod(kc, {
    namespace,
    name,
    nodeName: zone.node,
    annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: poolNames }) },
  })
  podUIDs.set(name, pod.metadata?.uid ?? '')
  return underlay!.addPod(name)
}

const netConf = (socket: string, prevResult?: unknown) => ({
  cniVersion: '1.0.0',
  name: 'macvlan-conf',
  type: 'macvlan',
  master: underlay!.master,
  mode: 'bridge',
  ipam: { type: 'spinneret', ipam_unix_socket_path: socket, log_file_path: pluginLog },
  ...(prevResult ? { prevResult } : {}),
})

/** Runs macvlan (and through it our plugin) for a pod, as the runtime on the pod's node would. */
const macvlan = (command: 'ADD' | 'CHECK' | 'DEL', pod: UnderlayPod, zone: (typeof zones)[number], socket: string, prevResult?: unknown) =>
  underlay!.cni({
    command,
    node: zone.node,
    pod,
    containerID: `ctr-${pod.name}`,
    ifName: 'eth0',
    cniPath,
    args: {
      IgnoreUnknown: '1',
      K8S_POD_NAMESPACE: namespace,
      K8S_POD_NAME: pod.name,
      K8S_POD_INFRA_CONTAINER_ID: `ctr-${pod.name}`,
      K8S_POD_UID: podUIDs.get(pod.name) ?? '',
    },
    config: netConf(socket, prevResult),
  })

const explain = (o: CniOutcome) => `exit ${o.exitCode}\nstdout: ${o.stdout}\nstderr: ${o.stderr}`

const allocatedCount = async (pool: string) => (await readPool(kc, pool)).status.allocatedIPCount ?? 0

async function endpointExists(name: string): Promise<boolean> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  try {
    await custom.getNamespacedCustomObject({ group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderendpoints', namespace, name })
    return true
  } catch (e) {
    ignore404(e)
    return false
  }
}

describe('macvlan + spinneret across two zones', () => {
  const pods: { pod: UnderlayPod; zone: (typeof zones)[number]; result?: any; address?: string }[] = []

  beforeAll(async () => {
    for (const zone of zones) pods.push({ pod: await makePod(`${run}-app-${zone.key}`, zone), zone })
  }, 120_000)

  it('ADD gives each pod an address of its zone pool and a default route via the zone gateway', async () => {
    const outcomes = await Promise.all(pods.map((p) => macvlan('ADD', p.pod, p.zone, service!.socket)))
    for (const [i, p] of pods.entries()) {
      const outcome = outcomes[i]!
      expect(outcome.exitCode, explain(outcome)).toBe(0)
      p.result = outcome.json
      const [ip] = outcome.json.ips
      p.address = ip.address.split('/')[0]
      expect(p.address).toMatch(inPool(p.zone))
      expect(ip.address).toBe(`${p.address}/24`)
      expect(ip.gateway).toBe(p.zone.gateway)
      expect(outcome.json.interfaces[ip.interface].sandbox).toBe(p.pod.path)

      const v4 = (await addressesOf(p.pod.netns, 'eth0')).filter((a) => a.family === 'inet')
      expect(v4).toEqual([{ family: 'inet', local: p.address, prefixlen: 24 }])
      const routes = await routesOf(p.pod.netns)
      expect(routes).toContainEqual({ dst: 'default', gateway: p.zone.gateway, dev: 'eth0' })
    }
    for (const [i, p] of pods.entries()) {
      const pool = await readPool(kc, poolNames[i]!)
      expect(pool.status.allocatedIPCount).toBe(1)
      expect(poolRecords(pool)[p.address!]?.podUid).toBe(podUIDs.get(p.pod.name))
      expect(await endpointExists(p.pod.name)).toBe(true)
    }
  })

  it('pods reach their gateway, and each other across zones through the router', async () => {
    const [a, b] = pods as [(typeof pods)[number], (typeof pods)[number]]
    for (const p of pods) {
      const gw = await ping(p.pod.netns, p.zone.gateway)
      expect(gw.ok, gw.output).toBe(true)
    }
    const ab = await ping(a.pod.netns, b.address!)
    expect(ab.ok, ab.output).toBe(true)
    expect(ab.ttl, 'one routed hop').toBe(63)
    const ba = await ping(b.pod.netns, a.address!)
    expect(ba.ok, ba.output).toBe(true)
    expect(ba.ttl).toBe(63)
  })

  it('CHECK passes for the allocation ADD returned', async () => {
    for (const p of pods) {
      const outcome = await macvlan('CHECK', p.pod, p.zone, service!.socket, p.result)
      expect(outcome.exitCode, explain(outcome)).toBe(0)
    }
  })

  it('DEL while the pod lives on removes the interface but keeps the address for its next sandbox', async () => {
    const p = pods[0]!
    const outcome = await macvlan('DEL', p.pod, p.zone, service!.socket, p.result)
    expect(outcome.exitCode, explain(outcome)).toBe(0)
    expect(await addressesOf(p.pod.netns, 'eth0')).toEqual([])
    expect(await allocatedCount(poolNames[0]!)).toBe(1)
    // The runtime sets the pod up again (a new sandbox): the same address.
    const again = await macvlan('ADD', p.pod, p.zone, service!.socket)
    expect(again.exitCode, explain(again)).toBe(0)
    expect(again.json.ips[0].address).toBe(p.result.ips[0].address)
    p.result = again.json
  })

  it('DEL of a terminating pod releases: the interface, the addresses and the endpoints go; a second DEL succeeds', async () => {
    for (const p of pods) await terminatePod(kc, namespace, p.pod.name)
    for (const p of pods) {
      const outcome = await macvlan('DEL', p.pod, p.zone, service!.socket, p.result)
      expect(outcome.exitCode, explain(outcome)).toBe(0)
      expect(await addressesOf(p.pod.netns, 'eth0')).toEqual([])
    }
    for (const pool of poolNames) expect(await allocatedCount(pool)).toBe(0)
    for (const p of pods) expect(await endpointExists(p.pod.name)).toBe(false)
    for (const p of pods) {
      const again = await macvlan('DEL', p.pod, p.zone, service!.socket, p.result)
      expect(again.exitCode, explain(again)).toBe(0)
    }
  })
})

describe('DEL while the service is down', () => {
  it('fails with code 11 naming the socket, and succeeds once a service answers there again', async () => {
    const zone = zones[0]
    const throwaway = await startService()
    // The config names a path that outlives the service behind it, as a node's socket does.
    const dir = mkdtempSync(join(tmpdir(), 'spinneret-e2e-'))
    const socket = join(dir, 'ipam.sock')
    symlinkSync(throwaway.socket, socket)
    try {
      const pod = await makePod(`${run}-down`, zone)
      const add = await macvlan('ADD', pod, zone, socket)
      expect(add.exitCode, explain(add)).toBe(0)
      expect(await allocatedCount(poolNames[0]!)).toBe(1)

      await throwaway.stop()
      await terminatePod(kc, namespace, pod.name)
      const del = await macvlan('DEL', pod, zone, socket, add.json)
      expect(del.exitCode, explain(del)).not.toBe(0)
      expect(del.json).toMatchObject({ code: 11 })
      expect(`${del.json.msg} ${del.json.details ?? ''}`).toContain(socket)
      expect(await allocatedCount(poolNames[0]!), 'a failed DEL releases nothing').toBe(1)

      // The runtime retries DEL; by then the node's service is back.
      rmSync(socket)
      symlinkSync(service!.socket, socket)
      const retried = await macvlan('DEL', pod, zone, socket, add.json)
      expect(retried.exitCode, explain(retried)).toBe(0)
      expect(await allocatedCount(poolNames[0]!)).toBe(0)
      expect(await endpointExists(pod.name)).toBe(false)
    } finally {
      await throwaway.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
