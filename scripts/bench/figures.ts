// What the benchmarks share to read a process and print figures: CPU and memory from /proc, a
// plain-text table, ratios and percentiles. Pure except the /proc readers.
import { readFileSync } from 'node:fs'

/** CPU seconds a process has used (utime + stime, in clock ticks of 1/100 s). */
export function cpuSecondsOf(pid: number): number {
  return parseCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'))
}

/** utime + stime of a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields after the name start at state (field 3): utime is field 14, stime field 15.
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`)
  return (utime + stime) / 100
}

/** Resident and peak resident memory of a process, in bytes (0 when it is gone). */
export function memoryOf(pid: number): { rss: number; peak: number } {
  try {
    return parseMemory(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return { rss: 0, peak: 0 }
  }
}

export function parseMemory(status: string): { rss: number; peak: number } {
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** `a` as a multiple of `b`, two decimals: "1.23x"; "n/a" when `b` is not positive. */
export const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}x` : 'n/a')

/** The p-th percentile (nearest rank) of numbers sorted ascending; NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/** Bytes in the largest unit under which they stay >= 1: "512 B", "1.5 KiB", "2.00 MiB". */
export function bytes(n: number): string {
  if (Math.abs(n) < 1024) return `${Math.round(n)} B`
  if (Math.abs(n) < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (Math.abs(n) < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MiB`
  if (Math.abs(n) < 1024 ** 4) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  return `${(n / 1024 ** 4).toFixed(1)} TiB`
}

/** A table as aligned text: header, a rule, rows; every column as wide as its widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows)
    if (row.length !== header.length) throw new Error(`a row of ${row.length} cells in a table of ${header.length} columns: ${row.join(' | ')}`)
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** Prometheus text format to samples: `name{labels}` to value (HELP, TYPE and blank lines dropped). */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    const value = Number(line.slice(cut + 1))
    if (cut > 0 && !Number.isNaN(value)) samples.set(line.slice(0, cut), value)
  }
  return samples
}

/**
 * Sum of the samples of a metric whose labels include every given label value, e.g.
 * sumOf(samples, 'apiserver_watch_events_sizes_sum', { resource: 'spiderippools' }).
 */
export function sumOf(samples: ReadonlyMap<string, number>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0
  for (const [key, value] of samples) {
    const brace = key.indexOf('{')
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue
    const text = brace < 0 ? '' : key.slice(brace)
    if (Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) sum += value
  }
  return sum
}
