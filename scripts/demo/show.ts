/**
 * What the demo shows and waits for: kubectl's own tables (the CRDs' printer columns), and the
 * status the service writes (counts come from its reconcile dispatcher, asynchronously).
 */
import { execFileSync } from 'node:child_process'
import * as k8s from '@kubernetes/client-node'
import { GROUP, PLURAL, VERSION, parseAllocatedIPs, parseSpiderIPPool, parseSpiderSubnet, type SpiderIPPool, type SpiderSubnet } from '../../shared/api/index.ts'
import { nextPoolStatus, nextSubnetStatus } from '../../shared/reconcile/index.ts'

/** Runs kubectl against the demo's control plane; returns the command line and its output. */
export function kubectl(kubeconfig: string, args: readonly string[]): { command: string; output: string } {
  const output = execFileSync('kubectl', args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig } })
  return { command: `kubectl ${args.join(' ')}`, output: output.trimEnd() }
}

export interface WaitOptions {
  readonly timeoutMs?: number
  /** Stops the wait (Ctrl-C): it throws the signal's reason. */
  readonly signal?: AbortSignal
}

/** Polls `probe` until it returns something, or fails after the timeout with what it last saw. */
export async function waitFor<T>(what: string, options: WaitOptions, probe: () => Promise<T | undefined>, lastSeen: () => string): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const deadline = Date.now() + timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${lastSeen()}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const custom = (kc: k8s.KubeConfig) => kc.makeApiClient(k8s.CustomObjectsApi)

const readSubnet = async (kc: k8s.KubeConfig, name: string): Promise<SpiderSubnet> =>
  parseSpiderSubnet(await custom(kc).getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.subnet, name }))

export const readPool = async (kc: k8s.KubeConfig, name: string): Promise<SpiderIPPool> =>
  parseSpiderIPPool(await custom(kc).getClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.ipPool, name }))

/** Waits until every subnet's status says what the dispatcher computes from the pools. */
export async function waitForSubnetCounts(kc: k8s.KubeConfig, names: readonly string[], options: WaitOptions = {}): Promise<void> {
  let seen: SpiderSubnet[] = []
  await waitFor('the dispatcher to write the SpiderSubnet counts', options, async () => {
    seen = await Promise.all(names.map((n) => readSubnet(kc, n)))
    const pools = await listPools(kc)
    return seen.every((s) => s.status.totalIPCount !== undefined && nextSubnetStatus(s, pools) === undefined) ? true : undefined
  }, () => seen.map(countsOf).join(', '))
}

// Other users of a shared control plane may leave pools that do not parse: not the demo's concern.
const listPools = async (kc: k8s.KubeConfig): Promise<SpiderIPPool[]> => {
  const list = (await custom(kc).listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.ipPool })) as { items: unknown[] }
  return list.items.flatMap((item) => {
    try {
      return [parseSpiderIPPool(item)]
    } catch {
      return []
    }
  })
}

/** Waits until the pools record every IP between them and their counts are current. */
export async function waitForPoolCounts(kc: k8s.KubeConfig, pools: readonly string[], ips: readonly string[], options: WaitOptions = {}): Promise<SpiderIPPool[]> {
  let seen: SpiderIPPool[] = []
  return waitFor('the SpiderIPPool counts', options, async () => {
    seen = await Promise.all(pools.map((n) => readPool(kc, n)))
    const recorded = new Set(seen.flatMap((pool) => Object.keys(parseAllocatedIPs(pool.status.allocatedIPs, pool.metadata.name))))
    return ips.every((ip) => recorded.has(ip)) && seen.every((pool) => nextPoolStatus(pool) === undefined) ? seen : undefined
  }, () => seen.map(countsOf).join(', '))
}

/** `name allocated/total`, as the object's status says. */
export const countsOf = (o: { metadata: { name: string }; status: { allocatedIPCount?: unknown; totalIPCount?: unknown } }) =>
  `${o.metadata.name} ${String(o.status.allocatedIPCount ?? '-')}/${String(o.status.totalIPCount ?? '-')}`

/** The subnet of each node: the SpiderSubnet its zone label names (the scenario's convention). */
export async function subnetsOfNodes(kc: k8s.KubeConfig, nodes: readonly string[], label: string): Promise<Map<string, SpiderSubnet>> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const result = new Map<string, SpiderSubnet>()
  for (const node of nodes) {
    const subnet = (await core.readNode({ name: node })).metadata?.labels?.[label]
    if (!subnet) throw new Error(`node ${node} has no ${label} label`)
    result.set(node, await readSubnet(kc, subnet))
  }
  return result
}
