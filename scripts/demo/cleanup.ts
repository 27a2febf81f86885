/**
 * Removes what a demo run made, in the order that lets each step still work: the DaemonSet and
 * its pods first (their kubelets' CNI DEL returns the addresses while Spinneret runs), then the
 * other seed objects, and the cluster only when a demo started it. Every step runs even when an
 * earlier one failed; the record stays on disk until all of them succeeded, so `--cleanup` can
 * try again.
 */
import { down } from '../cluster/cluster.ts'
import { kubectl } from '../cluster/install.ts'
import { removeRecord, saveRecord, type DemoRecord } from './record.ts'
import { readSeed } from './seed.ts'

export interface CleanupOptions {
  /** False when a new run takes the cluster over from the run it cleans up after. */
  readonly takeDownCluster: boolean
  readonly say: (line: string) => void
}

export async function cleanUp(record: DemoRecord, options: CleanupOptions): Promise<void> {
  const { say } = options
  const errors: Error[] = []
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step()
    } catch (e) {
      errors.push(new Error(`${what}: ${e instanceof Error ? e.message : String(e)}`))
    }
  }
  const clusterGoes = record.clusterStarted && options.takeDownCluster
  if (!clusterGoes && record.kubeconfig) {
    // The application first, its pods with a one-second grace (`sleep` ignores SIGTERM and would
    // hold each pod for 30 s), so the kubelets' CNI DEL returns the addresses while Spinneret
    // runs; then the rest in reverse order of creation.
    const isApp = (ref: { name: string }) => ref.name.startsWith('daemonset.apps/')
    for (const ref of record.created.filter(isApp)) {
      await attempt(`deleting ${ref.name} and its pods`, async () => {
        const ns = ['-n', ref.namespace ?? 'default']
        await kubectl([...ns, 'delete', ref.name, '--ignore-not-found', '--wait=false'])
        const { daemonSet } = readSeed()
        const selector = Object.entries(daemonSet.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
        await kubectl([...ns, 'delete', 'pods', '-l', selector, '--grace-period=1', '--ignore-not-found', '--wait=true'], 120_000)
        say(`deleted ${ref.name} and its pods (their kubelets released the addresses)`)
      })
    }
    const rest = record.created.filter((ref) => !isApp(ref)).reverse()
    for (const ref of rest) {
      await attempt(`deleting ${ref.name}`, () =>
        kubectl([...(ref.namespace ? ['-n', ref.namespace] : []), 'delete', ref.name, '--ignore-not-found', '--wait=true'], 120_000),
      )
    }
    if (rest.length > 0) say(`deleted ${rest.map((ref) => ref.name).join(', ')}`)
  }
  if (clusterGoes) {
    await attempt('taking the cluster down', async () => {
      await down()
      say('took the local cluster down (the demo had started it)')
    })
  } else if (record.kubeconfig) {
    say('left the local cluster running (it was up before the demo), with Spinneret installed')
  }
  if (errors.length > 0) {
    saveRecord(record)
    throw new AggregateError(errors, `cleanup left something behind:\n- ${errors.map((e) => e.message).join('\n- ')}`)
  }
  removeRecord()
}
