// Talking to the local cluster (scripts/cluster) from the tests of the cluster project: its admin
// client, kubectl, and waiting for what the real controllers and kubelets do.
import { execFile } from 'node:child_process'
import * as k8s from '@kubernetes/client-node'
import { inject } from 'vitest'
import { kubectlEnv } from '../../scripts/cluster/install.ts'

export function clusterKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(inject('clusterKubeconfig'))
  return kc
}

/** kubectl against the local cluster, as a user types it; rejects with what it printed. */
export function kubectl(args: readonly string[], { timeoutMs = 60_000, input }: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', [...args], { env: kubectlEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(' ')}: ${`${stderr}${stdout}`.trim() || error.message}`)) : resolve(stdout),
    )
    if (input !== undefined) child.stdin?.end(input)
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `probe` until it returns something; fails after the timeout with what it last saw. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, lastSeen }: { timeoutMs?: number; lastSeen?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastSeen ? `; last seen: ${lastSeen()}` : ''}`)
    await sleep(250)
  }
}

const isRunning = (p: k8s.V1Pod) =>
  p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')

const describePods = (pods: k8s.V1Pod[]) =>
  pods
    .map(
      (p) =>
        `${p.metadata?.name} ${p.spec?.nodeName ?? '-'} ${p.status?.phase}${p.metadata?.deletionTimestamp ? ' (terminating)' : ''} ${p.status?.podIP ?? ''}`,
    )
    .join(', ') || 'no pods'

/** Waits until exactly `count` pods match (terminating ones aside) and all are Running and Ready; returns them. */
export async function runningPods(kc: k8s.KubeConfig, namespace: string, labelSelector: string, count: number, timeoutMs = 90_000): Promise<k8s.V1Pod[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  let seen: k8s.V1Pod[] = []
  return eventually(
    `${count} Running pod(s) ${labelSelector} in ${namespace}`,
    async () => {
      seen = (await core.listNamespacedPod({ namespace, labelSelector })).items
      const current = seen.filter((p) => !p.metadata?.deletionTimestamp)
      return current.length === count && current.every(isRunning) ? current : undefined
    },
    { timeoutMs, lastSeen: () => describePods(seen) },
  )
}

/** Waits until no pod matches (deleted, their sandboxes torn down by the kubelet). */
export async function noPods(kc: k8s.KubeConfig, namespace: string, labelSelector: string, timeoutMs = 90_000): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  let seen: k8s.V1Pod[] = []
  await eventually(
    `no pods ${labelSelector} in ${namespace}`,
    async () => {
      seen = (await core.listNamespacedPod({ namespace, labelSelector })).items
      return seen.length === 0 ? true : undefined
    },
    { timeoutMs, lastSeen: () => describePods(seen) },
  )
}

/** A namespace of its own for a test file; deleted (with everything in it) by the returned function. */
export async function testNamespace(kc: k8s.KubeConfig, name: string): Promise<() => Promise<void>> {
  const core = kc.makeApiClient(k8s.CoreV1Api)
  await core.createNamespace({ body: { metadata: { name } } })
  return async () => {
    await core.deleteNamespace({ name }).catch(() => undefined)
    await eventually(`namespace ${name} gone`, async () => ((await core.readNamespace({ name }).catch(() => undefined)) ? undefined : true), {
      timeoutMs: 120_000,
    })
  }
}
