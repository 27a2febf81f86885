/**
 * First-free lookups per second on realistic pools: `npm run bench:core`.
 *
 * Two units are measured, because they answer different questions:
 * - "from scratch": one allocation decision as the allocator makes it after reading the pool:
 *   parse spec.ips / excludeIPs / reserved IPs, parse every allocated IP (the keys of the
 *   already JSON-decoded status.allocatedIPs), build the used runs, answer the lowest free IP.
 *   This is O(allocated) by nature: every allocated IP must be read once.
 * - "prepared": the same answer from a UsedIps built once per status (e.g. cached per
 *   resourceVersion, or shared by every request of one group commit): a FreeIpCursor per lookup.
 * For scale, JSON.parse of the status.allocatedIPs string alone (about 110 bytes a record) is
 * printed too: any decision that decodes the status fresh is bounded by it.
 * Timings are wall clock on a possibly shared machine: the load average is printed alongside.
 */
import { availableParallelism, loadavg } from 'node:os'
import { FreeIpCursor, formatIp, parseIpRanges, subtractRanges, UsedIps, bigIntToIp, type IpAddress, type IpFamily, type IpRange } from '../shared/ip/index.ts'

const loadBefore = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')

interface PoolCase {
  name: string
  family: IpFamily
  ips: string[]
  excludeIPs: string[]
  reserved: string[]
  allocated: string[] // in status map order, i.e. not sorted
  holes: Set<bigint>
}

/** Deterministic PRNG (mulberry32) so every run measures the same pools. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/**
 * The lowest `count + holeCount` available IPs allocated, then `holeCount` of them released at
 * random: pods come and go, so free holes sit among the low, long-lived allocations.
 */
const makeCase = (
  name: string,
  family: IpFamily,
  spec: { ips: string[]; excludeIPs: string[]; reserved: string[] },
  count: number,
  holeCount: number,
  seed: number,
): PoolCase => {
  const rand = random(seed)
  const available = subtractRanges(parseIpRanges(spec.ips), parseIpRanges([...spec.excludeIPs, ...spec.reserved]))
  const lowest: bigint[] = []
  for (const range of available) {
    for (let v = range.start; v <= range.end && lowest.length < count + holeCount; v++) lowest.push(v)
  }
  const holes = new Set<bigint>()
  while (holes.size < holeCount) holes.add(lowest[Math.floor(rand() * lowest.length)] as bigint)
  const allocated = lowest.filter((v) => !holes.has(v)).map((v) => bigIntToIp(v, family))
  for (let i = allocated.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[allocated[i], allocated[j]] = [allocated[j] as string, allocated[i] as string]
  }
  return { name, family, ...spec, allocated, holes }
}

const cases: PoolCase[] = [
  makeCase(
    '(a) IPv4 /24',
    4,
    {
      ips: ['10.6.168.1-10.6.168.254'],
      excludeIPs: ['10.6.168.1'],
      reserved: ['10.6.168.100'],
    },
    250,
    2,
    1,
  ),
  makeCase(
    '(b) IPv4 /16',
    4,
    {
      ips: ['10.7.0.1-10.7.255.254'],
      excludeIPs: ['10.7.0.1', '10.7.255.0-10.7.255.254'],
      reserved: ['10.7.3.0-10.7.3.9'],
    },
    5_000,
    50,
    2,
  ),
  makeCase(
    '(c) IPv6 /64',
    6,
    {
      ips: ['fd00:6::1-fd00:6::ffff:ffff:ffff:ffff'],
      excludeIPs: ['fd00:6::1'],
      reserved: ['fd00:6::1000-fd00:6::100f'],
    },
    10_000,
    100,
    3,
  ),
]

// Counts answers so the work cannot be optimised away, without adding bigint work of its own.
let sink = 0

/** Warm up, then run `fn` in batches for about `seconds`; returns operations per second. */
const measure = (fn: () => unknown, seconds = 1.5): number => {
  const warmUntil = performance.now() + 300
  while (performance.now() < warmUntil) if (fn() !== undefined) sink++
  let batch = 1
  for (;;) {
    const t0 = performance.now()
    for (let i = 0; i < batch; i++) if (fn() !== undefined) sink++
    if (performance.now() - t0 > 20) break
    batch *= 2
  }
  let ops = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < batch; i++) if (fn() !== undefined) sink++
    ops += batch
    elapsed = performance.now() - start
  }
  return (ops * 1000) / elapsed
}

const statusText = (c: PoolCase): string => {
  const record = (i: number) => ({
    pod: `default/app-7c9d8f6b5-${i.toString(36).padStart(5, 'x')}`,
    podUid: '3f0e2a1c-5b7d-4e9f-8a6b-0c1d2e3f4a5b',
  })
  return JSON.stringify(Object.fromEntries(c.allocated.map((ip, i) => [ip, record(i)])))
}

interface Row {
  name: string
  allocated: number
  scratch: number
  prepared: number
  jsonParse: number
}

const rows: Row[] = cases.map((c) => {
  const fromScratch = (): IpAddress | undefined => {
    const available: IpRange[] = subtractRanges(parseIpRanges(c.ips, c.family), [
      ...parseIpRanges(c.excludeIPs, c.family),
      ...parseIpRanges(c.reserved, c.family),
    ])
    return FreeIpCursor.from(c.family, available, c.allocated).next()
  }
  const available = subtractRanges(parseIpRanges(c.ips), parseIpRanges([...c.excludeIPs, ...c.reserved]))
  const used = UsedIps.from(c.family, c.allocated)
  const prepared = (): IpAddress | undefined => new FreeIpCursor(available, used).next()

  // Both must give the lowest hole, which was allocated-then-released.
  const lowestHole = [...c.holes].reduce((a, b) => (b < a ? b : a))
  for (const answer of [fromScratch()?.value, prepared()?.value]) {
    if (answer !== lowestHole) throw new Error(`${c.name}: got ${answer}, expected ${lowestHole}`)
  }
  const text = statusText(c)
  return {
    name: c.name,
    allocated: c.allocated.length,
    scratch: measure(fromScratch),
    prepared: measure(prepared),
    jsonParse: measure(() => Object.keys(JSON.parse(text) as object), 0.5),
  }
})

const TARGET = 20_000
const rate = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11)
const verdict = (n: number) => (n >= TARGET ? 'ok ' : 'LOW')
console.log(`first-free lookups/s, target >= ${TARGET.toLocaleString('en-US')}/s each`)
console.log(`(${availableParallelism()} CPUs, load average ${loadBefore} at start)\n`)
console.log(`${'case'.padEnd(13)}${'allocated'.padStart(10)}${'from scratch'.padStart(16)}` + `${'prepared'.padStart(16)}${'JSON.parse(status)'.padStart(21)}`)
for (const r of rows) {
  console.log(
    `${r.name.padEnd(13)}${String(r.allocated).padStart(10)}${rate(r.scratch)} ${verdict(r.scratch)}` +
      `${rate(r.prepared)} ${verdict(r.prepared)}${rate(r.jsonParse)}/s`,
  )
}
const [a, , c] = rows as [Row, Row, Row]
const timeRatio = (fast: number, slow: number) => `${(fast / slow).toFixed(2)}x`
console.log(`\ntime per lookup, (c)/(a): from scratch ${timeRatio(a.scratch, c.scratch)}, ` + `prepared ${timeRatio(a.prepared, c.prepared)} (target <= 3x)`)
const lowest = cases.map((k) => formatIp({ family: k.family, value: [...k.holes].reduce((x, y) => (y < x ? y : x)) }))
console.log(`lowest free IP per case: ${lowest.join(', ')} (${sink} answers)`)
