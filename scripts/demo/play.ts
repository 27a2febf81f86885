/**
 * The seed scenario, step by step, on the local cluster: nodes, Spinneret installed by kubectl
 * apply -k, the seed's subnets and pools, its DaemonSet run by the real DaemonSet controller,
 * kubelets and containerd, then what the article shows. What the demo applies goes into
 * `session.record` before it is applied, so that cleanup (in any process) finds it.
 */
import { relative } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { cidrContainsIp, parseCidr, parseIp } from '../../shared/ip/index.ts'
import { binariesFresh } from '../control-plane/build.ts'
import { up } from '../cluster/cluster.ts'
import { installSpinneret, kubectl, SERVICE_NAMESPACE } from '../cluster/install.ts'
import { saveRecord, type DemoRecord } from './record.ts'
import { readSeed, refOf, type SeedFile } from './seed.ts'

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
  /** Aborted on a signal: the steps stop at the next checkpoint, and cleanup follows. */
  readonly abort: AbortController
}

export interface PlayedPod {
  readonly name: string
  readonly node: string
  readonly ip: string
}

export interface Played {
  readonly kubeconfig: string
  readonly pods: readonly PlayedPod[]
  /** ms from `kubectl apply` of the DaemonSet to every pod Running */
  readonly runningMs: number
}

/** The node label naming the node's zone, whose value is the zone's SpiderSubnet. */
const ZONE_LABEL = 'node-subnet'
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** Polls until `probe` returns something; fails after the timeout with what it saw last. */
async function waitFor<T>(what: string, signal: AbortSignal, probe: () => Promise<T | undefined>, lastSeen: () => string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    signal.throwIfAborted()
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${lastSeen()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** kubectl, shown as typed and answered. */
async function shown(say: Narrator, args: string[]): Promise<string> {
  const output = await kubectl(args)
  say.shell(`kubectl ${args.join(' ')}`, output.trimEnd())
  return output
}

/** A column of a kubectl table row, by header name. */
const columnOf = (table: string, row: string, column: string): string | undefined => {
  const [header, ...rows] = table.trimEnd().split('\n')
  const index = header?.split(/\s+/).indexOf(column) ?? -1
  return rows.map((r) => r.split(/\s+/)).find((cells) => cells[0] === row)?.[index]
}

export async function play(session: Session, say: Narrator): Promise<Played> {
  const { record } = session
  const { signal } = session.abort
  const save = () => saveRecord(record)
  const checkpoint = () => signal.throwIfAborted()
  const seed = readSeed()

  say.step(
    'bringing up the local cluster (npm run cluster:up): etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and per node a containerd and a kubelet',
  )
  if (!binariesFresh('control-plane') || !binariesFresh('cluster')) {
    say.detail('first run: building the Kubernetes binaries from the pinned Go modules takes several minutes on 2 cores')
  }
  const t0 = Date.now()
  const cluster = await up()
  record.clusterStarted ||= cluster.started
  record.kubeconfig = cluster.kubeconfigPath
  save()
  say.detail(
    cluster.started
      ? `started in ${seconds(Date.now() - t0)} (by the demo: its cleanup takes it down again)`
      : record.clusterStarted
        ? 'reused the one an earlier demo started (the cleanup takes it down)'
        : 'reused the running one (it stays up afterwards)',
  )
  await shown(say, ['get', 'nodes', '-o', 'wide'])
  checkpoint()

  say.step('installing Spinneret as on any cluster: the image (npm run image), then kubectl apply -k manifests/local')
  const installed = await installSpinneret()
  say.detail(`image ${installed.image.ref} (${(installed.image.bytes / 1024 / 1024).toFixed(1)} MiB), imported into every node's containerd (no registry here)`)
  say.detail(`the DaemonSet's service was ready on every node ${seconds(installed.rolloutMs)} after kubectl apply -k`)
  await shown(say, ['-n', SERVICE_NAMESPACE, 'get', 'pods', '-o', 'wide'])
  checkpoint()

  say.step('applying the seed (manifests/examples/seed): SpiderSubnets, SpiderIPPools, the NetworkAttachmentDefinition')
  for (const file of seed.setup) await apply(file, record, say, signal)
  const subnetsTable = await waitFor(
    "the service's reconciler to write the SpiderSubnet counts",
    signal,
    async () => {
      const table = await kubectl(['get', 'spidersubnet', ...seed.subnets])
      return seed.subnets.every((s) => /^\d+$/.test(columnOf(table, s, 'TOTAL-IP-COUNT') ?? '')) ? table : undefined
    },
    () => 'no counts yet',
  )
  say.shell(`kubectl get spidersubnet ${seed.subnets.join(' ')}`, subnetsTable.trimEnd())
  say.detail("(a subnet's ALLOCATED-IP-COUNT counts the IPs its SpiderIPPools took from it, in use by pods or not)")
  checkpoint()

  const { daemonSet } = seed
  say.step(
    `kubectl apply of the seed's DaemonSet ${daemonSet.name}: the DaemonSet controller makes a pod per node; each node's kubelet runs it through containerd, macvlan and spinneret`,
  )
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(cluster.kubeconfigPath)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const nodes = (await core.listNode()).items
  const applied = Date.now()
  await apply(seed.app, record, say, signal)
  const selector = Object.entries(daemonSet.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  let seen: k8s.V1Pod[] = []
  const pods = await waitFor(
    `a Running pod of ${daemonSet.name} on each of the ${nodes.length} nodes`,
    signal,
    async () => {
      seen = (await core.listNamespacedPod({ namespace: daemonSet.namespace, labelSelector: selector })).items.filter((p) => !p.metadata?.deletionTimestamp)
      const running = seen.filter((p) => p.status?.phase === 'Running' && p.status.podIP)
      return running.length === nodes.length ? running : undefined
    },
    () => seen.map((p) => `${p.metadata?.name} ${p.spec?.nodeName ?? '-'} ${p.status?.phase}`).join(', ') || 'no pods',
  )
  const runningMs = Date.now() - applied
  say.detail(`every pod Running ${seconds(runningMs)} after kubectl apply`)
  await waitFor(
    'each pool to count its allocation',
    signal,
    async () => {
      const table = await kubectl(['get', 'spiderippool', ...seed.pools])
      const allocated = seed.pools.map((p) => Number(columnOf(table, p, 'ALLOCATED-IP-COUNT')))
      return allocated.reduce((a, b) => a + b, 0) === pods.length ? true : undefined
    },
    () => 'counts not yet written',
  )
  checkpoint()

  say.step('the result')
  await shown(say, ['get', 'po', '-l', selector, '-o', 'wide'])
  await shown(say, ['get', 'spiderippool'])
  const played: PlayedPod[] = []
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName ?? ''
    const zone = nodes.find((n) => n.metadata?.name === nodeName)?.metadata?.labels?.[ZONE_LABEL]
    const subnet = (await kubectl(['get', 'spidersubnet', zone ?? '', '-o', 'jsonpath={.spec.subnet}'])).trim()
    const ip = pod.status?.podIP ?? ''
    if (!cidrContainsIp(parseCidr(subnet), parseIp(ip))) {
      throw new Error(`${pod.metadata?.name} on ${nodeName} got ${ip}, outside its node's subnet ${zone} (${subnet})`)
    }
    say.detail(`${ip} lies in ${zone} (${subnet}), the subnet of ${nodeName}`)
    played.push({ name: pod.metadata?.name ?? '', node: nodeName, ip })
  }
  checkpoint()

  const [from, to] = [...played].sort((a, b) => a.node.localeCompare(b.node)) as [PlayedPod, PlayedPod]
  say.step(`ping across the zones: ${from.name} (${from.ip}, ${from.node}) -> ${to.name} (${to.ip}, ${to.node})`)
  const pinged = await shown(say, ['exec', from.name, '--', 'ping', '-c', '2', to.ip])
  if (!/ 0% packet loss/.test(pinged)) throw new Error(`ping from ${from.name} to ${to.name} lost packets`)
  const ttl = Number(/ttl=(\d+)/.exec(pinged)?.[1])
  say.detail(`ttl ${ttl}: ${ttl === 63 ? "one routed hop, through the router that holds both zones' gateways" : 'the scenario shows 63 (one routed hop)'}`)

  say.step('summary')
  for (const pod of played) say.detail(`${pod.name} on ${pod.node}: ${pod.ip}`)
  say.detail(`each pod's address lies in its node's subnet, and the pods reach each other across the zones (ttl ${ttl})`)
  say.detail(`the DaemonSet's pods were Running ${seconds(runningMs)} after kubectl apply`)
  return { kubeconfig: cluster.kubeconfigPath, pods: played, runningMs }
}

/**
 * kubectl apply -f of one seed file. The objects that do not exist yet are recorded first, so
 * cleanup removes what the demo created and nothing a cluster had before (a Multus CRD, say).
 * A kind whose CRD was applied a moment ago is retried until it is served.
 */
async function apply(file: SeedFile, record: DemoRecord, say: Narrator, signal: AbortSignal): Promise<void> {
  const existing = new Set((await kubectl(['get', '-f', file.path, '-o', 'name', '--ignore-not-found']).catch(() => '')).split('\n').map((line) => line.trim()))
  for (const ref of file.objects.map(refOf)) {
    if (!existing.has(ref.name) && !record.created.some((r) => r.name === ref.name && r.namespace === ref.namespace)) record.created.push(ref)
  }
  saveRecord(record)
  const output = await waitFor(
    `kubectl apply -f ${file.path}`,
    signal,
    () =>
      kubectl(['apply', '-f', file.path]).catch((e: unknown) => {
        if (/no matches for kind|ensure CRDs are installed/.test(String(e))) return undefined
        throw e
      }),
    () => 'the kind is not served yet',
    30_000,
  )
  say.shell(`kubectl apply -f ${relative(process.cwd(), file.path)}`, output.trimEnd())
}
