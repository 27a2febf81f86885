/**
 * Removes what a demo run made, in the order that lets each step still work and that a node
 * follows: the pods start terminating, CNI DEL while the service and the namespaces exist (it
 * releases a terminating pod's addresses), then the Pod objects go, the namespaces, the service,
 * and the control plane only when a demo started it. Every step runs even when an earlier one failed;
 * the record stays on disk until all of them succeeded, so `--cleanup` can try again.
 */
import { existsSync } from 'node:fs'
import * as k8s from '@kubernetes/client-node'
import { down } from '../control-plane/control-plane.ts'
import type { Underlay } from '../../test/support/underlay.ts'
import { explain, releaseThroughIpam, removeNamespaces, runMainPlugin } from './network.ts'
import { deletePods, terminatePods } from './pods.ts'
import { removeRecord, saveRecord, type DemoRecord } from './record.ts'
import { stopDemoService } from './service.ts'

export interface CleanupOptions {
  /** The run's underlay when cleaning up in the process that made it. */
  readonly underlay?: Underlay
  /** False when a new run takes the control plane over from the run it cleans up after. */
  readonly stopControlPlane: boolean
  readonly say: (line: string) => void
}

export async function cleanUp(record: DemoRecord, options: CleanupOptions): Promise<void> {
  const { underlay, say } = options
  const errors: unknown[] = []
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step()
    } catch (e) {
      errors.push(new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`))
    }
  }

  const kubeconfig = record.kubeconfig
  const kc = () => {
    const config = new k8s.KubeConfig()
    config.loadFromFile(kubeconfig!)
    return config
  }
  const haveCluster = record.pods.length > 0 && kubeconfig !== undefined && existsSync(kubeconfig)
  if (haveCluster) await attempt('terminating the pods', () => terminatePods(kc(), record.pods))

  const released: string[] = []
  for (const pod of record.pods.filter((p) => p.network)) {
    await attempt(`CNI DEL of ${pod.name}`, async () => {
      const outcome = underlay ? await runMainPlugin(underlay, 'DEL', pod) : await releaseThroughIpam(pod)
      if (outcome.exitCode !== 0) throw new Error(explain(outcome))
      released.push(pod.name)
    })
  }
  if (released.length > 0) say(`CNI DEL through ${underlay ? 'macvlan and ' : ''}dist/cni/spinneret: ${released.join(', ')}`)

  if (haveCluster) {
    await attempt('deleting the pods', async () => {
      await deletePods(kc(), record.pods)
      say(`deleted pods ${record.pods.map((p) => `${p.namespace}/${p.name}`).join(', ')}`)
    })
  }

  const prefix = record.netnsPrefix
  if (prefix) {
    await attempt('removing the network namespaces', async () => {
      await underlay?.teardown()
      await removeNamespaces(prefix)
      say(`removed network namespaces ${prefix}-*`)
    })
  }

  const service = record.service
  if (service) {
    await attempt('stopping the IPAM service', async () => {
      await stopDemoService(service)
      say(`stopped the IPAM service (pid ${service.pid})`)
    })
  }

  if (record.controlPlaneStarted && options.stopControlPlane) {
    await attempt('stopping the control plane', async () => {
      await down()
      say('stopped the control plane (the demo had started it)')
    })
  }

  if (!record.controlPlaneStarted) say('left the control plane running (it was up before the demo), with the seed objects applied')

  if (errors.length > 0) {
    saveRecord(record)
    throw new AggregateError(errors, `cleanup left something behind:\n- ${errors.map((e) => (e as Error).message).join('\n- ')}`)
  }
  removeRecord()
}
