/**
 * `npm run demo`: the seed scenario (manifests/examples/seed) end to end on the local cluster
 * (scripts/cluster): real kubelets, containerd, controllers; Spinneret installed with kubectl
 * apply -k; the seed's DaemonSet run by the DaemonSet controller; the output is what the
 * scenario's article shows.
 *
 *   npm run demo                 play it, then remove everything it made
 *   npm run demo -- --keep       leave the cluster and the seed up
 *   npm run demo -- --cleanup    remove what a `--keep` run (or a killed run) left
 *
 * The cluster is taken down only when the demo started it; one already running stays.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { cleanUp } from './demo/cleanup.ts'
import { play, type Narrator, type Session } from './demo/play.ts'
import { prerequisiteProblems, readMachineFacts } from './demo/prerequisites.ts'
import { RECORD_PATH, newRecord, readRecord, saveRecord, type DemoRecord } from './demo/record.ts'
import type { Played } from './demo/play.ts'

const write = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
const say: Narrator = {
  step: (text) => write(`==> ${text}`),
  detail: (text) => write(text.replace(/^/gm, '    ')),
  shell: (command, output) => write(`$ ${command}\n${output}`),
}
const fail = (message: string) => process.stderr.write(`demo: ${message}\n`)
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** A demo process is still running under that pid (not some other process that got the pid). */
const demoRunning = (pid: number): boolean => {
  if (pid === process.pid) return false
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('scripts/demo.ts')
  } catch {
    return false
  }
}

/** Clears what an earlier run left; this run takes over a cluster that run started. */
async function clearEarlierRun(record: DemoRecord): Promise<boolean> {
  const earlier = readRecord()
  if (!earlier) return true
  if (demoRunning(earlier.pid)) {
    fail(`another demo is running (pid ${earlier.pid}); wait for it, or stop it with Ctrl-C`)
    return false
  }
  say.step(`removing what an earlier demo left (${earlier.keep ? 'kept with --keep' : 'it did not finish'})`)
  await cleanUp(earlier, { takeDownCluster: false, say: say.detail })
  record.clusterStarted = earlier.clusterStarted
  return true
}

function printKept(record: DemoRecord, played: Played): void {
  const [from, to] = played.pods
  say.step('kept running: the local cluster, Spinneret and the seed')
  say.detail(
    [
      'point kubectl at the cluster:',
      `  export KUBECONFIG=${played.kubeconfig}`,
      '  kubectl get spidersubnet,spiderippool',
      '  kubectl get po -l app=test-app -o wide',
      ...(from && to ? ['ping between the pods:', `  kubectl exec ${from.name} -- ping -c 3 ${to.ip}`] : []),
      'clean up later (the seed' + (record.clusterStarted ? ', the cluster' : '') + '):',
      '  npm run demo -- --cleanup',
    ].join('\n'),
  )
}

async function demo(keep: boolean): Promise<number> {
  say.step('checking prerequisites')
  const problems = prerequisiteProblems(readMachineFacts())
  if (problems.length > 0) {
    fail(`cannot run on this machine:\n- ${problems.join('\n- ')}`)
    return 1
  }
  const session: Session = { record: newRecord(), abort: new AbortController() }

  let cleaning: Promise<boolean> | undefined
  const cleanupOnce = () =>
    (cleaning ??= (async () => {
      say.step('cleaning up')
      try {
        await cleanUp(session.record, { takeDownCluster: true, say: say.detail })
        return true
      } catch (e) {
        fail(`${messageOf(e)}\nthe record is in ${RECORD_PATH}: npm run demo -- --cleanup tries again`)
        return false
      }
    })())

  // A signal lets the step in flight finish (Ctrl-C reaches its child processes too, so it ends
  // soon): cleaning up beside it could miss what it is about to make. A second signal does not wait.
  let interrupted: number | undefined
  const signals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const
  for (const [signal, code] of Object.entries(signals)) {
    process.on(signal, () => {
      if (interrupted === undefined) {
        interrupted = code
        fail(`${signal}: stopping after the current step, then cleaning up (again to clean up at once)`)
        session.abort.abort(new Error(`interrupted by ${signal}`))
        return
      }
      void cleanupOnce().finally(() => process.exit(code))
    })
  }

  try {
    if (!(await clearEarlierRun(session.record))) return 1
  } catch (e) {
    fail(`${messageOf(e)}\nfix that, then: npm run demo -- --cleanup`)
    return 1
  }
  saveRecord(session.record)
  try {
    const played = await play(session, say)
    session.abort.signal.throwIfAborted()
    if (keep) {
      session.record.keep = true
      saveRecord(session.record)
      printKept(session.record, played)
      return 0
    }
    return (await cleanupOnce()) ? 0 : 1
  } catch (e) {
    if (interrupted === undefined) fail(messageOf(e))
    await cleanupOnce()
    return interrupted ?? 1
  }
}

async function cleanupLater(): Promise<number> {
  const record = readRecord()
  if (!record) {
    say.step(`nothing to clean up (no ${RECORD_PATH})`)
    return 0
  }
  if (demoRunning(record.pid)) {
    fail(`the demo (pid ${record.pid}) is still running: stop it with Ctrl-C, it cleans up after itself`)
    return 1
  }
  say.step(`cleaning up the demo of pid ${record.pid}`)
  try {
    await cleanUp(record, { takeDownCluster: true, say: say.detail })
    return 0
  } catch (e) {
    fail(messageOf(e))
    return 1
  }
}

const USAGE = `usage: npm run demo [-- --keep | --cleanup]
  (none)     play the seed scenario, then remove everything it made
  --keep     leave the local cluster, Spinneret and the seed up
  --cleanup  remove what a --keep run (or a killed run) left`
let options: { keep?: boolean; cleanup?: boolean; help?: boolean }
try {
  options = parseArgs({ options: { keep: { type: 'boolean' }, cleanup: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values
} catch (e) {
  fail(`${messageOf(e)}\n${USAGE}`)
  process.exit(2)
}
if (options.help) {
  write(USAGE)
  process.exit(0)
}
// Explicit exit: idle keep-alive sockets of the API client must not hold the process open.
process.exit(options.cleanup ? await cleanupLater() : await demo(options.keep ?? false))
