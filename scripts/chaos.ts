/**
 * `npm run chaos [-- --size ci|large] [--seed N]` (as root): faults injected into the local
 * cluster while real controllers churn pods over shared pools, then the invariants checked from
 * the API (scripts/chaos/invariants.ts). Prints a summary; exits 1 on any violated invariant.
 * The CI-sized run is test/cluster/chaos.test.ts; the default here is the large one.
 */
import { parseArgs } from 'node:util'
import { up } from './cluster/cluster.ts'
import { installSpinneret } from './cluster/install.ts'
import { SIZES, runChaos, type ChaosReport } from './chaos/run.ts'

export function summary(r: ChaosReport): string {
  const rows: Array<[string, string]> = [
    ['size, seed', `${r.size}, ${r.seed}`],
    ['duration', `${(r.durationMs / 1000).toFixed(0)} s`],
    ...Object.entries(r.faults).map(([name, n]): [string, string] => [`fault: ${name}`, String(n)]),
    ['pods created by the controllers', String(r.podsCreated)],
    ['pods that got an address', String(r.allocations)],
    ['write conflicts (service replicas, since their last start)', String(r.conflicts)],
    ['sandbox retries (FailedCreatePodSandBox events)', String(r.sandboxRetries)],
    ['leaks found (force-deleted pods holding an address)', String(r.leaks.found)],
    ['leaks collected', String(r.leaks.collected)],
    ['max time to collect (pods of Deployments)', `${(r.leaks.maxCollectMs / 1000).toFixed(1)} s`],
    ["max time until a StatefulSet pod's successor takes its address over", `${(r.leaks.maxStatefulSetTakeoverMs / 1000).toFixed(1)} s`],
    ['time to settle after the churn', `${(r.settleMs / 1000).toFixed(1)} s`],
    ['violated invariants', String(r.violations.length)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ...r.violations.map((v) => `VIOLATION ${v.rule}: ${v.detail}`)].join('\n')
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith('scripts/chaos.ts')) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: 'large' }, seed: { type: 'string' } } })
  const size = SIZES[values.size as keyof typeof SIZES]
  if (!size) {
    console.error(`--size must be one of ${Object.keys(SIZES).join(', ')}`)
    process.exit(2)
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
  const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`)
  try {
    log(`seed ${seed} (replay with --seed ${seed})`)
    await up()
    await installSpinneret()
    const report = await runChaos(size, seed, log)
    console.log(summary(report))
    process.exit(report.violations.length > 0 ? 1 : 0)
  } catch (e) {
    console.error(`chaos: ${e instanceof Error ? e.stack : String(e)}`)
    process.exit(1)
  }
}
