/**
 * The demo's network, on test/support/underlay.ts: namespaces for a router, the nodes and the
 * pods, the reference macvlan plugin run in a node's namespace with the compiled plugin as IPAM,
 * and the few things the demo needs beyond that module (see the report on keepPastExit).
 */
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { REPO_ROOT } from '../build-cni.ts'
import { createUnderlay, run, referencePluginDir, type CniOutcome, type Underlay, type ZoneSpec } from '../../test/support/underlay.ts'
import { DEMO_DIR, type PodRecord } from './record.ts'

export const CNI_BIN_DIR = join(REPO_ROOT, 'dist', 'cni')
export const IPAM_BINARY = join(CNI_BIN_DIR, 'spinneret')
const CNI_PATH = [referencePluginDir, CNI_BIN_DIR]
const NETNS_DIR = '/var/run/netns'

/**
 * `spndemo-<random>`: deliberately not underlay.ts's `spn<pid>-` pattern, whose stale-namespace
 * sweep (run by every new underlay, e.g. the e2e tests) would remove a `--keep` demo's namespaces
 * once the demo process has exited. The demo's own record cleans up after a killed run instead.
 */
export const newNetnsPrefix = () => `spndemo-${randomBytes(3).toString('hex')}`

export interface DemoUnderlay {
  readonly underlay: Underlay
  /**
   * Stops underlay.ts from removing the namespaces when this process exits. It has no option for
   * that, so this removes the one `exit` listener createUnderlay added; false when there was none.
   */
  keepPastExit(): boolean
}

export async function createDemoUnderlay(zones: readonly ZoneSpec[], prefix: string): Promise<DemoUnderlay> {
  const before = new Set(process.listeners('exit'))
  const underlay = await createUnderlay({ zones, prefix })
  const added = process.listeners('exit').filter((listener) => !before.has(listener))
  return {
    underlay,
    keepPastExit: () => {
      for (const listener of added) process.removeListener('exit', listener)
      return added.length > 0
    },
  }
}

/**
 * The net conf a node runs for the pod: the NetworkAttachmentDefinition's config with `master`
 * set to the node's underlay interface and `ipam` pointed at the compiled plugin and the socket.
 * The plugin logs beside the demo's state, not in this machine's /var/log/spidernet (its default).
 */
export function netConfFor(base: Record<string, unknown> & { type: string }, master: string, socket: string) {
  const ipam = typeof base.ipam === 'object' && base.ipam !== null ? (base.ipam as Record<string, unknown>) : {}
  return { ...base, master, ipam: { ...ipam, type: 'spinneret', ipam_unix_socket_path: socket, log_file_path: join(DEMO_DIR, 'cni.log') } }
}

/** CNI_ARGS as Multus passes them, and a sandbox id as a runtime makes one. */
export function cniIdentity(pod: PodRecord) {
  const containerID = randomBytes(32).toString('hex')
  const args = {
    IgnoreUnknown: '1',
    K8S_POD_NAMESPACE: pod.namespace,
    K8S_POD_NAME: pod.name,
    K8S_POD_INFRA_CONTAINER_ID: containerID,
    K8S_POD_UID: pod.uid,
  }
  return { containerID, args }
}

export const explain = (o: CniOutcome) =>
  `exit ${o.exitCode}${o.stdout.trim() ? `\nstdout: ${o.stdout.trim()}` : ''}${o.stderr.trim() ? `\nstderr: ${o.stderr.trim()}` : ''}`

/** ADD or DEL through the main plugin in the node's namespace, as the node's runtime runs it. */
export function runMainPlugin(underlay: Underlay, command: 'ADD' | 'DEL', pod: PodRecord): Promise<CniOutcome> {
  const network = pod.network
  if (!network) throw new Error(`pod ${pod.name} has no network to ${command}`)
  const sandbox = { name: pod.name, netns: network.netns, path: join(NETNS_DIR, network.netns) }
  return underlay.cni({
    command,
    node: pod.node,
    ...(existsSync(sandbox.path) ? { pod: sandbox } : {}),
    containerID: network.containerID,
    ifName: 'eth0',
    cniPath: CNI_PATH,
    args: network.args,
    config: network.config,
  })
}

/**
 * ADD as the kubelet runs it: an error that says "try again" (CNI code 11: the service, or the API
 * server behind it, is not ready; a CRD created a moment ago answers 429 for a while) tears the
 * attempt down with DEL and tries again a moment later. Other errors are final.
 */
export async function addLikeKubelet(
  underlay: Underlay,
  pod: PodRecord,
  { attempts = 10, delayMs = 1000, signal, retrying }: { attempts?: number; delayMs?: number; signal: AbortSignal; retrying: (outcome: CniOutcome) => void },
): Promise<CniOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await runMainPlugin(underlay, 'ADD', pod)
    if (outcome.exitCode === 0 || outcome.json?.code !== 11 || attempt >= attempts || signal.aborted) return outcome
    retrying(outcome)
    await runMainPlugin(underlay, 'DEL', pod)
    await new Promise((r) => setTimeout(r, delayMs))
  }
}

/**
 * DEL straight through the compiled IPAM plugin, for a later process that has no Underlay (the
 * namespaces' links go with the namespaces; what matters is that the pool releases the address).
 * The IPAM plugin only talks to the service's socket, so it runs in no namespace of its own.
 */
export function releaseThroughIpam(pod: PodRecord): Promise<CniOutcome> {
  const network = pod.network
  if (!network) throw new Error(`pod ${pod.name} has no network to DEL`)
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: 'DEL',
    CNI_CONTAINERID: network.containerID,
    CNI_IFNAME: 'eth0',
    CNI_PATH: CNI_PATH.join(delimiter),
    CNI_ARGS: Object.entries(network.args).map(([k, v]) => `${k}=${v}`).join(';'),
  }
  return new Promise((resolve, reject) => {
    const child = spawn(IPAM_BINARY, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr, json: undefined }))
    child.stdin.end(JSON.stringify(network.config))
  })
}

/** Names of the namespaces of a demo run still present. */
export const namespacesWithPrefix = (prefix: string): string[] =>
  existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR).filter((name) => name.startsWith(`${prefix}-`)) : []

/** Removes whatever namespaces of the run are left (a later process, or after a failed teardown). */
export async function removeNamespaces(prefix: string): Promise<void> {
  for (const name of namespacesWithPrefix(prefix)) await run('ip', ['netns', 'delete', name])
}

/** `ping -c <count>` from a namespace; resolves with ping's output whatever the outcome. */
export function pingFrom(netns: string, address: string, count: number): Promise<{ ok: boolean; output: string }> {
  const args = ['netns', 'exec', netns, 'ping', '-n', '-c', String(count), '-i', '0.2', '-w', '10', address]
  return new Promise((resolve) => {
    execFile('ip', args, { timeout: 30_000 }, (error, stdout, stderr) => resolve({ ok: !error, output: `${stdout}${stderr}`.trim() }))
  })
}
