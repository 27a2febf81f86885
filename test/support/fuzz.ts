// How every fuzz test runs: a fixed seed unless asked otherwise, a CI size in `npm test` and a
// bigger one behind `npm run fuzz`, the case count and time printed, fast-check's counterexample
// (with seed and path, to replay it) in the failure message.
import fc from 'fast-check'

/** The seed of a run nobody asked another seed for: the issue that asked for the fuzzer. */
export const DEFAULT_SEED = 15

export interface FuzzSettings {
  seed: number
  size: 'ci' | 'big'
  /** FUZZ_RUNS: one case count for every surface, instead of its CI or big size. */
  runs?: number
}

/**
 * FUZZ_SIZE=ci|big (default ci), FUZZ_SEED=<integer>|random (default 15), FUZZ_RUNS=<n>.
 * A value that is none of these stops the run naming it: a typo must not fuzz at the wrong size.
 */
export function fuzzSettings(env: Record<string, string | undefined> = process.env): FuzzSettings {
  const size = env.FUZZ_SIZE || 'ci'
  if (size !== 'ci' && size !== 'big') throw new Error(`FUZZ_SIZE must be ci or big, not ${JSON.stringify(size)}`)
  const seedText = env.FUZZ_SEED || String(DEFAULT_SEED)
  const seed = seedText === 'random' ? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0 : Number(seedText)
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${JSON.stringify(seedText)}`)
  const runs = env.FUZZ_RUNS ? Number(env.FUZZ_RUNS) : undefined
  if (runs !== undefined && !(Number.isSafeInteger(runs) && runs > 0))
    throw new Error(`FUZZ_RUNS must be a positive integer, not ${JSON.stringify(env.FUZZ_RUNS)}`)
  return { seed, size, runs }
}

/** vitest's timeout for a fuzz test: the big size runs for minutes. */
export const FUZZ_TIMEOUT_MS = 30 * 60_000

export interface FuzzSizes {
  /** Cases in `npm test`. */
  ci: number
  /** Cases in `npm run fuzz`. */
  big: number
}

export interface FuzzRun {
  surface: string
  cases: number
  ms: number
  seed: number
}

/** What every run of this process measured, for the summary a fuzz file may print. */
export const fuzzRuns: FuzzRun[] = []

/**
 * Checks `property` over the surface's number of cases. The whole run, shrinking included, is cut
 * off `shrinkMs` after ten seconds a case (reported with the counterexample found so far): against
 * a real API server shrinking could otherwise run for long.
 * The line printed, `fuzz <surface>: <n> cases in <ms> ms (seed <s>)`, is what the README quotes.
 */
export async function fuzz<T>(
  surface: string,
  property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>,
  sizes: FuzzSizes,
  { shrinkMs = 60_000 }: { shrinkMs?: number } = {},
): Promise<FuzzRun> {
  const settings = fuzzSettings()
  const cases = settings.runs ?? sizes[settings.size]
  const started = performance.now()
  let failed = true
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, {
      seed: settings.seed,
      numRuns: cases,
      // A run cut short counts as failed: a fuzzer that quietly ran fewer cases proves less.
      plugins: [fc.interruptAfterTimeLimit(shrinkMs + cases * 10_000, { failOnInterrupt: true })],
    })
    failed = false
  } finally {
    const ms = Math.round(performance.now() - started)
    const run = { surface, cases, ms, seed: settings.seed }
    if (!failed) fuzzRuns.push(run)
    console.info(`fuzz ${surface}: ${cases} cases in ${ms} ms (seed ${settings.seed}, FUZZ_SIZE=${settings.size})${failed ? ' FAILED' : ''}`)
  }
  return fuzzRuns[fuzzRuns.length - 1] as FuzzRun
}
