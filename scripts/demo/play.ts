/**
 * The seed scenario, step by step: control plane, CRDs and seed, service, the DaemonSet's pods on
 * their nodes' underlays, then what the article shows. Everything made goes into `session.record`
 * before the next step, so that cleanup (in any process) finds it.
 */
import { existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { cidrContainsIp, parseCidr, parseIp } from '../../shared/ip/index.ts'
import { buildCni } from '../build-cni.ts'
import { SERVICE_BUNDLE } from '../build-service.ts'
import { CACHE_DIR, up, type UpResult } from '../control-plane/control-plane.ts'
import { applyManifests } from '../../test/support/cluster.ts'
import { ping, type CniOutcome, type ZoneSpec } from '../../test/support/underlay.ts'
import { IPAM_BINARY, addLikeKubelet, cniIdentity, createDemoUnderlay, explain, netConfFor, newNetnsPrefix, pingFrom, type DemoUnderlay } from './network.ts'
import { createDaemonSetPods, defaultNetworkOf, reportPodIP } from './pods.ts'
import { SERVICE_LOG, saveRecord, type DemoRecord, type PodRecord } from './record.ts'
import { CRD_DIR, SEED_DIR, ZONE_LABEL, readSeed } from './seed.ts'
import { startDemoService } from './service.ts'
import { countsOf, kubectl, subnetsOfNodes, waitForPoolCounts, waitForSubnetCounts } from './show.ts'

export interface Narrator {
  /** One line per step: `==> ...`. */
  step(text: string): void
  /** Indented lines under the current step. */
  detail(text: string): void
  /** A command line and its output, as a terminal shows them. */
  shell(command: string, output: string): void
}

export interface Session {
  readonly record: DemoRecord
  underlay?: DemoUnderlay
  /** Pending or done; cleanup waits for it, since a start in flight may be ours to stop. */
  controlPlane?: Promise<UpResult>
  /** Aborted on a signal: the steps stop at the next checkpoint, and cleanup follows. */
  readonly abort: AbortController
}

export interface Played {
  readonly kubeconfig: string
  readonly pods: readonly (PodRecord & { ip: string })[]
}

export async function play(session: Session, say: Narrator): Promise<Played> {
  const { record } = session
  const save = () => saveRecord(record)
  const { signal } = session.abort
  const checkpoint = () => signal.throwIfAborted()
  checkpoint()
  const seed = readSeed()

  if (!existsSync(IPAM_BINARY)) {
    say.step('building the CNI plugin (npm run build: dist/cni/spinneret)')
    buildCni()
  }

  say.step('bringing up the control plane (etcd + kube-apiserver)')
  if (!existsSync(join(CACHE_DIR, 'bin', 'kube-apiserver'))) {
    say.detail(`first run: building them from the Go modules takes several minutes on 2 cores (log: ${join(CACHE_DIR, 'build.log')})`)
  }
  session.controlPlane = up().then((result) => {
    record.controlPlaneStarted ||= result.started
    record.kubeconfig = result.kubeconfigPath
    save()
    return result
  })
  const { kubeconfigPath, started } = await session.controlPlane
  say.detail(
    started
      ? 'started (by the demo: its cleanup stops it again)'
      : record.controlPlaneStarted
        ? 'reused the one an earlier demo started (the cleanup stops it)'
        : 'reused the running one (it stays up afterwards)',
  )
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(kubeconfigPath)
  checkpoint()

  say.step('installing the CRDs (manifests/crds) and the seed scenario (manifests/examples/seed)')
  await applyManifests(kc, CRD_DIR, SEED_DIR)
  for (const [kind, names] of seed.objects) say.detail(`${kind}: ${names.join(', ')}`)
  checkpoint()

  say.step('starting the IPAM service (every function in one process, on a unix socket; npm run build:service bundles it first)')
  const service = await startDemoService(kubeconfigPath, SERVICE_LOG, (s) => {
    record.service = s
    save()
  })
  say.detail(`node ${relative(process.cwd(), SERVICE_BUNDLE)}: pid ${service.pid}, socket ${service.socket}, log ${SERVICE_LOG}`)
  checkpoint()

  say.step("waiting for the service's reconcile dispatcher to write the SpiderSubnet counts")
  await waitForSubnetCounts(kc, seed.subnets, { signal })
  const subnets = kubectl(kubeconfigPath, ['get', 'spidersubnet', ...seed.subnets])
  say.shell(subnets.command, subnets.output)
  say.detail("(a subnet's ALLOCATED-IP-COUNT counts the IPs its SpiderIPPools took from it, in use by pods or not)")
  checkpoint()

  say.step(`creating the DaemonSet's pods, one per node (playing the DaemonSet controller)`)
  const pods = await createDaemonSetPods(kc, seed.daemonSet, seed.nodes, signal, (pod) => {
    record.pods.push(pod)
    save()
  })
  for (const pod of pods) say.detail(`${pod.namespace}/${pod.name} on ${pod.node}, owned by DaemonSet ${seed.daemonSet.name}`)
  checkpoint()

  const subnetOf = await subnetsOfNodes(kc, seed.nodes, ZONE_LABEL)
  const zones = zonesOf(subnetOf)
  say.step(`building the underlay in network namespaces: a router holding the gateways ${zones.map((z) => z.gateway).join(' and ')}, a namespace per node and per pod`)
  record.netnsPrefix = newNetnsPrefix()
  save()
  session.underlay = await createDemoUnderlay(zones, record.netnsPrefix)
  const { underlay } = session.underlay
  say.detail(`router: ${underlay.router}`)
  const sandboxes = new Map<string, string>()
  for (const pod of pods) {
    checkpoint()
    sandboxes.set(pod.name, (await underlay.addPod(pod.name)).netns)
    const zone = zones.find((z) => z.nodes.includes(pod.node))
    say.detail(`${pod.node} (${zone?.name}, gateway ${zone?.gateway}): ${underlay.node(pod.node).netns}, master ${underlay.master}`)
    say.detail(`  pod ${pod.name}: ${sandboxes.get(pod.name)}`)
  }
  checkpoint()

  say.step('CNI ADD: macvlan with dist/cni/spinneret as IPAM, in each node\'s namespace (playing kubelet and Multus)')
  for (const pod of pods) {
    const config = netConfFor(await defaultNetworkOf(kc, pod), underlay.master, service.socket)
    pod.network = { netns: sandboxes.get(pod.name) ?? '', ...cniIdentity(pod), config }
    save()
  }
  // Every ADD is recorded before any starts, and none starts after a signal: cleanup's DELs
  // then cover exactly what may have been allocated.
  checkpoint()
  const retrying = (pod: PodRecord) => (o: CniOutcome) =>
    say.detail(`${pod.name}: ADD failed with "try again" (${o.json?.msg ?? o.stdout.trim()}); DEL, then ADD again in 1 s, as the kubelet retries`)
  const outcomes = await Promise.all(pods.map((pod) => addLikeKubelet(underlay, pod, { signal, retrying: retrying(pod) })))
  const placed: (PodRecord & { ip: string })[] = []
  for (const [i, pod] of pods.entries()) {
    const outcome = outcomes[i]!
    const [first] = (outcome.json?.ips ?? []) as { address: string; gateway?: string }[]
    if (outcome.exitCode !== 0 || !first) throw new Error(`CNI ADD for ${pod.name} on ${pod.node} failed: ${explain(outcome)}`)
    const ip = first.address.split('/')[0] ?? ''
    say.detail(`${pod.name}: eth0 ${first.address}, gateway ${first.gateway ?? '-'} (${pod.node})`)
    await reportPodIP(kc, pod, ip)
    placed.push({ ...pod, ip })
  }
  checkpoint()

  say.step('the result')
  const counted = await waitForPoolCounts(kc, seed.pools, placed.map((p) => p.ip), { signal })
  const pools = kubectl(kubeconfigPath, ['get', 'spiderippool', ...seed.pools])
  say.shell(pools.command, pools.output)
  const table = kubectl(kubeconfigPath, ['get', 'pod', ...placed.map((p) => p.name), '-o', 'custom-columns=NAME:.metadata.name,IP:.status.podIP,NODE:.spec.nodeName'])
  say.shell(table.command, table.output)
  for (const pod of placed) {
    const subnet = subnetOf.get(pod.node)!
    if (!cidrContainsIp(parseCidr(subnet.spec.subnet), parseIp(pod.ip))) {
      throw new Error(`${pod.name} on ${pod.node} got ${pod.ip}, outside its node's subnet ${subnet.metadata.name} (${subnet.spec.subnet})`)
    }
    say.detail(`${pod.ip} lies in ${subnet.metadata.name} (${subnet.spec.subnet}), the subnet of ${pod.node}`)
  }
  checkpoint()

  const [from, to] = placed as [(typeof placed)[number], (typeof placed)[number]]
  const fromNetns = sandboxes.get(from.name) ?? ''
  say.step(`ping across the zones: ${from.name} (${from.ip}, ${from.node}) -> ${to.name} (${to.ip}, ${to.node})`)
  // The first packet waits for ARP on both segments; on a loaded machine that can take a while,
  // which is not what the counted ping below is meant to show.
  const reachable = await ping(fromNetns, to.ip)
  if (!reachable.ok) throw new Error(`${to.name} (${to.ip}) is not reachable from ${from.name}:\n${reachable.output}`)
  const pinged = await pingFrom(fromNetns, to.ip, 3)
  say.shell(`ip netns exec ${fromNetns} ping -c 3 ${to.ip}`, pinged.output)
  if (!pinged.ok) throw new Error(`ping from ${from.name} to ${to.name} failed`)
  const ttl = Number(/ttl=(\d+)/.exec(pinged.output)?.[1])
  say.detail(`ttl ${ttl}: ${ttl === 63 ? 'one routed hop, through the router that holds both zones\' gateways' : 'the scenario shows 63 (one routed hop)'}`)

  say.step('summary')
  for (const pod of placed) say.detail(`${pod.name} on ${pod.node}: ${pod.ip}, from ${subnetOf.get(pod.node)!.metadata.name}`)
  say.detail(`pools (allocated/total): ${counted.map(countsOf).join(', ')}`)
  say.detail(`each pod's address lies in its node's subnet, and the pods reach each other across the zones (ttl ${ttl})`)
  return { kubeconfig: kubeconfigPath, pods: placed }
}

/** One underlay zone per subnet, holding the nodes labelled with it. */
function zonesOf(subnetOf: ReadonlyMap<string, { metadata: { name: string }; spec: { subnet: string; gateway?: string } }>): ZoneSpec[] {
  const zones = new Map<string, { name: string; subnet: string; gateway: string; nodes: string[] }>()
  for (const [node, subnet] of subnetOf) {
    if (!subnet.spec.gateway) throw new Error(`SpiderSubnet ${subnet.metadata.name} has no gateway: the router needs one per zone`)
    const zone = zones.get(subnet.metadata.name) ?? { name: subnet.metadata.name, subnet: subnet.spec.subnet, gateway: subnet.spec.gateway, nodes: [] }
    zone.nodes.push(node)
    zones.set(zone.name, zone)
  }
  return [...zones.values()]
}
