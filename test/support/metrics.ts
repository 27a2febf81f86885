// Reading the service's metrics as Prometheus does, and the list of metrics the README promises.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface Scrape {
  /** `name{labels}` (labels as printed) -> value */
  samples: Map<string, number>
  /** Metric names with a `# HELP` line, and their `# TYPE`. */
  types: Map<string, string>
  helps: Set<string>
  text: string
}

export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>()
  const types = new Map<string, string>()
  const helps = new Set<string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) helps.add(line.split(' ')[2] ?? '')
    else if (line.startsWith('# TYPE ')) types.set(line.split(' ')[2] ?? '', line.split(' ')[3] ?? '')
    else if (line.trim() !== '' && !line.startsWith('#')) {
      const at = line.lastIndexOf(' ')
      samples.set(line.slice(0, at), Number(line.slice(at + 1)))
    }
  }
  return { samples, types, helps, text }
}

/** Every metric the README's "Metrics" table names, with its type and label names. */
export function readmeMetrics(): Array<{ name: string; type: string; labels: string[] }> {
  const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('### Events'))
  return section
    .split('\n')
    .filter((l) => /^\| `(spiderpool|spinneret)_/.test(l))
    .map((l) => {
      const [, name = '', type = '', labels = ''] = l.split('|').map((c) => c.trim())
      // Label names are the quoted words outside parentheses (inside: their values).
      return { name: name.replaceAll('`', ''), type, labels: [...labels.replace(/\([^)]*\)/g, '').matchAll(/`(\w+)`/g)].map((m) => m[1] ?? '') }
    })
}

/** The value of `name` with exactly these labels (prom-client prints them in the order given). */
export const sample = (scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined => {
  const entries = Object.entries(labels)
  if (entries.length === 0) return scrape.samples.get(name)
  for (const [key, value] of scrape.samples) {
    if (!key.startsWith(`${name}{`)) continue
    const got = Object.fromEntries([...key.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (entries.every(([k, v]) => got[k] === v) && Object.keys(got).length === entries.length) return value
  }
  return undefined
}
