// The drop-in promise, proven with Spiderpool's own CNI plugin: the `spiderpool` binary of
// Spiderpool v1.2.2 (built from its Go module by scripts/spiderpool-plugin, nothing of it
// committed) runs as IPAM under the reference macvlan plugin inside a node's network namespace,
// and talks to the real Spinneret service, which allocates from pools in the real API server.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureSpiderpoolPlugin, SPIDERPOOL_VERSION } from '../scripts/spiderpool-plugin/build.ts'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  createPool,
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
const run = unique('spx')
const namespace = run
const node = `${run}-node`
const zone = { name: run, subnet: '198.18.8.0/24', gateway: '198.18.8.1' }
const pool = { v4: `${run}-v4`, v6: `${run}-v6`, net1: `${run}-net1` }
const logDir = mkdtempSync(join(tmpdir(), 'spinneret-spiderpool-plugin-'))
const pluginLog = join(logDir, 'spiderpool.log')

let pluginDir = ''
let underlay: Underlay | undefined
let service: RunningService | undefined
const uids = new Map<string, string>()

beforeAll(async () => {
  // Fail, never skip, naming what to install. A cold build of the plugin takes minutes (CI runs
  // `npm run spiderpool-plugin:build` first); the integration project's hook timeout allows it.
  assertUnderlayPrerequisites()
  pluginDir = join((await ensureSpiderpoolPlugin()).path, '..')

  await applyManifests(kc, 'manifests/crds')
  await createNamespace(kc, namespace)
  await createNode(kc, node, { 'spinneret.test/zone': zone.name })
  await createPool(kc, pool.v4, { subnet: zone.subnet, gateway: zone.gateway, ips: ['198.18.8.10-198.18.8.19'] })
  await createPool(kc, pool.v6, { ipVersion: 6, subnet: 'fd00:198:18:8::/64', ips: ['fd00:198:18:8::10-fd00:198:18:8::1f'] })
  await createPool(kc, pool.net1, { subnet: '198.18.9.0/24', gateway: '198.18.9.1', ips: ['198.18.9.10-198.18.9.19'] })
  service = await startService()
  underlay = await createUnderlay({ zones: [{ name: zone.name, subnet: zone.subnet, gateway: zone.gateway, nodes: [node] }] })
}, 600_000)

afterAll(async () => {
  const errors: unknown[] = []
  for (const step of [() => underlay?.teardown(), () => service?.stop(), () => cleanUp(kc, { namespace, pools: Object.values(pool), nodes: [node] })]) {
    await Promise.resolve()
      .then(step)
      .catch((e: unknown) => errors.push(e))
  }
  rmSync(logDir, { recursive: true, force: true })
  if (errors.length > 0) throw new AggregateError(errors, 'spiderpool plugin e2e cleanup failed')
}, 120_000)

async function makePod(name: string, annotations: Record<string, string>): Promise<UnderlayPod> {
  const made = await createPod(kc, { namespace, name, nodeName: node, annotations })
  uids.set(name, made.metadata?.uid ?? '')
  return underlay!.addPod(name)
}

const ippool = (families: { ipv4?: string[]; ipv6?: string[] }) => ({ 'ipam.spidernet.io/ippool': JSON.stringify(families) })

interface Call {
  readonly command: 'ADD' | 'DEL'
  readonly pod: UnderlayPod
  readonly ifName?: string
  readonly ipam?: Record<string, unknown>
  /** CNI_ARGS pod name, when it must differ from the namespace's (a pod that does not exist). */
  readonly podName?: string
}

/** macvlan in the node's namespace with Spiderpool's plugin as its IPAM, as a Spiderpool node runs it. */
const macvlan = ({ command, pod, ifName = 'eth0', ipam = {}, podName = pod.name }: Call) =>
  underlay!.cni({
    command,
    node,
    pod,
    containerID: `ctr-${pod.name}`,
    ifName,
    cniPath: [referencePluginDir, pluginDir],
    args: {
      IgnoreUnknown: '1',
      K8S_POD_NAMESPACE: namespace,
      K8S_POD_NAME: podName,
      K8S_POD_INFRA_CONTAINER_ID: `ctr-${pod.name}`,
      K8S_POD_UID: uids.get(podName) ?? 'no-such-uid',
    },
    config: {
      cniVersion: '1.0.0',
      name: 'macvlan-conf',
      type: 'macvlan',
      master: underlay!.master,
      mode: 'bridge',
      ipam: { type: 'spiderpool', ipam_unix_socket_path: service!.socket, log_file_path: pluginLog, log_level: 'debug', ...ipam },
    },
  })

const pluginLogTail = () => {
  try {
    return readFileSync(pluginLog, 'utf8').trimEnd().split('\n').slice(-5).join('\n')
  } catch {
    return '(no plugin log)'
  }
}
const explain = (o: CniOutcome) => `exit ${o.exitCode}\nstdout: ${o.stdout}\nstderr: ${o.stderr}\nplugin log:\n${pluginLogTail()}`

const allocated = async (name: string) => (await readPool(kc, name)).status.allocatedIPCount ?? 0

async function endpoint(name: string): Promise<{ status: { current: { uid: string; ips: Record<string, unknown>[] } } } | undefined> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  try {
    return (await custom.getNamespacedCustomObject({
      group: 'spiderpool.spidernet.io',
      version: 'v2beta1',
      plural: 'spiderendpoints',
      namespace,
      name,
    })) as never
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 404) return undefined
    throw e
  }
}

// The kernel adds an IPv6 link-local address to every NIC; only the IPAM's addresses count here.
const ipv4Of = async (netns: string, ifName: string) => (await addressesOf(netns, ifName)).filter((a) => a.family === 'inet')

const counts = async () => Object.fromEntries(await Promise.all(Object.values(pool).map(async (p) => [p, await allocated(p)] as const)))

describe(`Spiderpool ${SPIDERPOOL_VERSION}'s plugin against Spinneret`, () => {
  it('is the plugin it claims to be', () => {
    const version = spawnSync(join(pluginDir, 'spiderpool'), ['--version'], { encoding: 'utf8' })
    expect(`${version.stdout}${version.stderr}`).toContain(`Spiderpool IPAM ${SPIDERPOOL_VERSION}`)
  })

  it('ADD, single NIC: passes the health check and gets an address, gateway and default route of the pool', async () => {
    const pod = await makePod(`${run}-single`, ippool({ ipv4: [pool.v4] }))
    const add = await macvlan({ command: 'ADD', pod })
    expect(add.exitCode, explain(add)).toBe(0)
    const [ip] = add.json.ips
    expect(ip.address).toMatch(/^198\.18\.8\.1\d\/24$/)
    expect(ip.gateway).toBe(zone.gateway)
    const address = ip.address.split('/')[0]
    expect(await ipv4Of(pod.netns, 'eth0')).toEqual([{ family: 'inet', local: address, prefixlen: 24 }])
    expect(await routesOf(pod.netns)).toContainEqual({ dst: 'default', gateway: zone.gateway, dev: 'eth0' })
    const gw = await ping(pod.netns, zone.gateway)
    expect(gw.ok, gw.output).toBe(true)

    const records = poolRecords(await readPool(kc, pool.v4))
    expect(records[address]).toEqual({ pod: `${namespace}/${pod.name}`, podUid: uids.get(pod.name) })
    expect((await endpoint(pod.name))?.status.current).toMatchObject({
      uid: uids.get(pod.name),
      ips: [{ interface: 'eth0', ipv4: ip.address, ipv4Pool: pool.v4 }],
    })
  })

  it('DEL while the pod lives on keeps its address, and its next sandbox gets it back, as on Spiderpool', async () => {
    const name = `${run}-single`
    const pod = { name, netns: `${underlay!.prefix}-pod-${name}`, path: `/var/run/netns/${underlay!.prefix}-pod-${name}` }
    const before = poolRecords(await readPool(kc, pool.v4))
    const del = await macvlan({ command: 'DEL', pod })
    expect(del.exitCode, explain(del)).toBe(0)
    expect(await ipv4Of(pod.netns, 'eth0')).toEqual([])
    expect(poolRecords(await readPool(kc, pool.v4))).toEqual(before)
    const add = await macvlan({ command: 'ADD', pod })
    expect(add.exitCode, explain(add)).toBe(0)
    expect(Object.keys(before)).toContain(add.json.ips[0].address.split('/')[0])
  })

  it('ADD, dual stack: one address of each family on the NIC', async () => {
    const pod = await makePod(`${run}-dual`, ippool({ ipv4: [pool.v4], ipv6: [pool.v6] }))
    const add = await macvlan({ command: 'ADD', pod })
    expect(add.exitCode, explain(add)).toBe(0)
    const addresses = add.json.ips.map((i: { address: string }) => i.address)
    expect(addresses).toEqual([expect.stringMatching(/^198\.18\.8\.1\d\/24$/), expect.stringMatching(/^fd00:198:18:8::1[0-9a-f]\/64$/)])
    const onNic = (await addressesOf(pod.netns, 'eth0')).map((a) => `${a.local}/${a.prefixlen}`)
    expect(onNic).toEqual(expect.arrayContaining(addresses))
  })

  it('ADD, multi-NIC (ippools): each NIC gets its own pool; the second keeps no default route (cleangateway)', async () => {
    const pod = await makePod(`${run}-multi`, {
      'ipam.spidernet.io/ippools': JSON.stringify([
        { interface: 'eth0', ipv4: [pool.v4] },
        { interface: 'net1', ipv4: [pool.net1], cleangateway: true },
      ]),
    })
    const eth0 = await macvlan({ command: 'ADD', pod })
    expect(eth0.exitCode, explain(eth0)).toBe(0)
    const net1 = await macvlan({ command: 'ADD', pod, ifName: 'net1' })
    expect(net1.exitCode, explain(net1)).toBe(0)
    expect(eth0.json.ips.map((i: { address: string }) => i.address)).toEqual([expect.stringMatching(/^198\.18\.8\.1\d\/24$/)])
    expect(net1.json.ips.map((i: { address: string }) => i.address)).toEqual([expect.stringMatching(/^198\.18\.9\.1\d\/24$/)])
    expect(net1.json.routes ?? []).toEqual([])
    expect((await ipv4Of(pod.netns, 'net1')).map((a) => a.local)).toEqual([net1.json.ips[0].address.split('/')[0]])
    const defaults = (await routesOf(pod.netns)).filter((r) => r.dst === 'default')
    expect(defaults).toEqual([{ dst: 'default', gateway: zone.gateway, dev: 'eth0' }])
  })

  it('ADD, multi-NIC with unnamed ippools entries: NICs take them in call order, whatever their names', async () => {
    const pod = await makePod(`${run}-unnamed`, {
      'ipam.spidernet.io/ippools': JSON.stringify([{ ipv4: [pool.v4] }, { ipv4: [pool.net1], cleangateway: true }]),
    })
    const eth0 = await macvlan({ command: 'ADD', pod })
    expect(eth0.exitCode, explain(eth0)).toBe(0)
    const eth1 = await macvlan({ command: 'ADD', pod, ifName: 'eth1' })
    expect(eth1.exitCode, explain(eth1)).toBe(0)
    expect(eth0.json.ips.map((i: { address: string }) => i.address)).toEqual([expect.stringMatching(/^198\.18\.8\.1\d\/24$/)])
    expect(eth1.json.ips.map((i: { address: string }) => i.address)).toEqual([expect.stringMatching(/^198\.18\.9\.1\d\/24$/)])
    expect((await endpoint(pod.name))?.status.current.ips.map((d) => d.interface)).toEqual(['eth0', 'eth1'])
  })

  it('DEL of a terminating pod releases every address and the endpoint; a repeated DEL succeeds', async () => {
    const nicsOf: Record<string, string[]> = {
      [`${run}-single`]: ['eth0'],
      [`${run}-dual`]: ['eth0'],
      [`${run}-multi`]: ['net1', 'eth0'],
      [`${run}-unnamed`]: ['eth1', 'eth0'],
    }
    for (const name of Object.keys(nicsOf)) await terminatePod(kc, namespace, name)
    for (const [name, nics] of Object.entries(nicsOf)) {
      const pod = { name, netns: `${underlay!.prefix}-pod-${name}`, path: `/var/run/netns/${underlay!.prefix}-pod-${name}` }
      for (const ifName of nics) {
        const del = await macvlan({ command: 'DEL', pod, ifName })
        expect(del.exitCode, explain(del)).toBe(0)
        expect(await addressesOf(pod.netns, ifName)).toEqual([])
      }
      expect(await endpoint(name)).toBeUndefined()
      const again = await macvlan({ command: 'DEL', pod })
      expect(again.exitCode, explain(again)).toBe(0)
    }
    expect(await counts()).toEqual({ [pool.v4]: 0, [pool.v6]: 0, [pool.net1]: 0 })
    // Spiderpool's plugin logs and swallows a failed release: its log says it really succeeded.
    expect(readFileSync(pluginLog, 'utf8')).toContain('IPAM release successfully')
  })
})

describe("refusals reach the runtime with the service's real message, and nothing is written", () => {
  const refuse = async (call: Omit<Call, 'pod'> & { podName?: string }, message: RegExp) => {
    const pod = await underlay!.addPod(unique('refused'))
    const before = await counts()
    const outcome = await macvlan({ ...call, pod })
    expect(outcome.exitCode, explain(outcome)).not.toBe(0)
    expect(outcome.json?.msg ?? outcome.stdout, explain(outcome)).toMatch(message)
    expect(await counts()).toEqual(before)
    expect(await addressesOf(pod.netns, 'eth0')).toEqual([])
    if (process.env.SHOW_REFUSALS) console.log(outcome.json?.msg)
    return outcome
  }

  it('garbage config: refused by the plugin before it asks anything', async () => {
    await refuse({ command: 'ADD', ipam: { default_ipv4_ippool: 'not-a-list' } }, /failed to load CNI network configuration/)
  })

  it('unreachable socket: the health check fails naming the socket', async () => {
    const socket = join(logDir, 'nobody-listens.sock')
    await refuse({ command: 'ADD', ipam: { ipam_unix_socket_path: socket } }, new RegExp(`unhealthy spiderpool-agent backend.*${socket}`))
  })

  it('a pod that does not exist: "not found", as Spiderpool\'s agent answers, and no endpoint', async () => {
    const ghost = `${run}-ghost`
    const outcome = await refuse({ command: 'ADD', podName: ghost }, /spiderpool IP allocation error: .*\[500\].*pod .*ghost not found/)
    expect(outcome.json.msg).not.toMatch(/does not match any response statuses/)
    expect(await endpoint(ghost)).toBeUndefined()
  })

  it("a CNI config naming a pool that does not exist: Spiderpool's own refusal text", async () => {
    const name = `${run}-typo`
    const made = await createPod(kc, { namespace, name, nodeName: node })
    uids.set(name, made.metadata?.uid ?? '')
    await refuse(
      { command: 'ADD', podName: name, ipam: { default_ipv4_ippool: [pool.v4, `${pool.v4}-typo`] } },
      new RegExp(`failed to get original IPPool ${pool.v4}-typo: spiderippools.spiderpool.spidernet.io "${pool.v4}-typo" not found`),
    )
  })

  it('a pool selection that fails: the filter reasons reach the runtime', async () => {
    const name = `${run}-nomatch`
    await createPod(kc, { namespace, name, nodeName: node, annotations: ippool({ ipv4: [pool.net1] }) })
    uids.set(name, (await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ namespace, name })).metadata?.uid ?? '')
    // The pool serves another node only.
    await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .patchClusterCustomObject(
        { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools', name: pool.net1, body: { spec: { nodeName: ['elsewhere'] } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
    try {
      await refuse(
        { command: 'ADD', podName: name },
        new RegExp(`no IPPool available, all IPv4 IPPools \\[${pool.net1}\\] of eth0 filtered out: unmatched Node name of IPPool ${pool.net1}`),
      )
    } finally {
      await kc
        .makeApiClient(k8s.CustomObjectsApi)
        .patchClusterCustomObject(
          { group: 'spiderpool.spidernet.io', version: 'v2beta1', plural: 'spiderippools', name: pool.net1, body: { spec: { nodeName: null } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        )
    }
  })
})
