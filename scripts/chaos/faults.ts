/**
 * The faults the chaos run injects into the local cluster, each as an operator or a failing
 * machine would cause it: processes killed or stopped by pid (the service, the plugin in flight,
 * kube-apiserver, etcd, a kubelet), pods force-deleted. Each returns a line for the run's log.
 */
import fs from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { restartTracked, sleep } from '../control-plane/processes.ts'
import { clusterControlPlane } from '../cluster/cluster.ts'
import { enterNode, kubeletOf, nodeProcesses } from '../cluster/node.ts'

const cmdlineOf = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return []
  }
}

const kill = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL')
    return true
  } catch {
    return false
  }
}

/** kill -9 of the node's Spinneret service (its kubelet restarts the container). */
export function killService(node: string): string {
  const pids = nodeProcesses(node).filter((pid) => cmdlineOf(pid).some((arg) => arg.endsWith('/opt/spinneret/service/main-node.mjs')))
  const killed = pids.filter(kill)
  return `kill -9 of the service on ${node}: ${killed.length ? `pid ${killed.join(', ')}` : 'none running'}`
}

/**
 * For `ms`, kill -9 every CNI plugin process that appears on the node: the runtime's ADD or DEL
 * loses its answer mid-request, as when the plugin's connection drops. @returns how many
 */
export async function killPluginsFor(node: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms
  let killed = 0
  while (Date.now() < deadline) {
    for (const pid of nodeProcesses(node)) {
      const argv0 = cmdlineOf(pid)[0] ?? ''
      if (/\/opt\/cni\/bin\/(spinneret|spiderpool)$/.test(argv0) && kill(pid)) killed++
    }
    await sleep(5)
  }
  return killed
}

export async function restartApiserver(): Promise<string> {
  const pid = await restartTracked(clusterControlPlane.tracked('kube-apiserver'), { signal: 'SIGKILL' })
  await waitApiserver()
  return `kill -9 and restart of kube-apiserver (now pid ${pid})`
}

export async function restartEtcd(): Promise<string> {
  const pid = await restartTracked(clusterControlPlane.tracked('etcd'), { signal: 'SIGKILL', downMs: 2000 })
  await waitApiserver()
  return `kill -9 of etcd, 2 s down, restarted (now pid ${pid})`
}

async function waitApiserver(): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (await clusterControlPlane.running()) return
    await sleep(250)
  }
  throw new Error('kube-apiserver did not get ready again within 60 s')
}

/** Stops the node's kubelet for `ms` (its pods keep running, the node goes NotReady), then starts it. */
export async function stopKubelet(node: string, ms: number): Promise<string> {
  const pid = await restartTracked(kubeletOf(node), { signal: 'SIGTERM', downMs: ms, wrapper: enterNode(node) })
  return `kubelet of ${node} stopped for ${Math.round(ms / 1000)} s, started again (pid ${pid})`
}

/** Deletes pods with grace period 0: the API forgets them at once, whatever their kubelet does. */
export async function forceDelete(core: k8s.CoreV1Api, pods: k8s.V1Pod[]): Promise<string> {
  for (const pod of pods) {
    await core.deleteNamespacedPod({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, gracePeriodSeconds: 0 }).catch(() => undefined)
  }
  return `force-deleted ${pods.map((p) => p.metadata?.name).join(', ') || 'no pod'}`
}

/** The holder of the service's leader Lease, if any. */
export async function leaderIdentity(kc: k8s.KubeConfig): Promise<string | undefined> {
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ namespace: 'spinneret-system', name: 'spinneret-leader' })
    .catch(() => undefined)
  return lease?.spec?.holderIdentity || undefined
}

/**
 * kill -9 of the leader: the DaemonSet pod named in the Lease's holder (its node's service), or,
 * when the holder is none of them, `killOther` (the run's own replica). Then waits until another
 * replica holds the Lease. @returns what happened and how long the takeover took
 */
export async function killLeader(kc: k8s.KubeConfig, killOther: () => Promise<string>): Promise<string> {
  const holder = await leaderIdentity(kc)
  if (!holder) return 'no leader to kill'
  const pods = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'spinneret-system', labelSelector: 'app.kubernetes.io/name=spinneret' }))
    .items
  const pod = pods.find((p) => holder.startsWith(`${p.metadata?.name}_`))
  const t0 = Date.now()
  const killed = pod?.spec?.nodeName ? killService(pod.spec.nodeName) : await killOther()
  for (let i = 0; i < 600; i++) {
    const now = await leaderIdentity(kc)
    if (now && now !== holder) return `leader ${holder} killed (${killed}); ${now} took the Lease over in ${((Date.now() - t0) / 1000).toFixed(1)} s`
    await sleep(100)
  }
  throw new Error(`nobody took the Lease over within 60 s of killing the leader ${holder}`)
}
