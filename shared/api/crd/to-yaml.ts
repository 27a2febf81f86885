/**
 * A block-style YAML writer for JSON data, enough for CRDs. Not a library's dumper because
 * @kubernetes/client-node's dumpYaml passes CRDs through its typed model, which silently drops
 * `default` and `enum` from schemas; and a hand-written one gives byte-stable output, so the committed
 * manifests can be compared with a fresh generation as text.
 *
 * Strings are written plain only when no YAML reading could take them for anything else;
 * everything else is JSON-quoted (a JSON string is a valid YAML double-quoted scalar).
 */
export const toYaml = (value: unknown): string => `${lines(value, 0).join('\n')}\n`

const PLAIN = /^[A-Za-z_][\w./ ()-]*$/
// YAML 1.1 readers (still common) take these for booleans or null.
const KEYWORDS = /^(y|yes|n|no|true|false|on|off|null)$/i

const scalar = (value: unknown): string | undefined => {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`)
    return String(value)
  }
  if (typeof value === 'string') {
    const plain = PLAIN.test(value) && !KEYWORDS.test(value) && !value.endsWith(' ')
    return plain ? value : JSON.stringify(value)
  }
  if (Array.isArray(value) && value.length === 0) return '[]'
  if (typeof value === 'object' && Object.keys(value).length === 0) return '{}'
  return undefined
}

const lines = (value: unknown, indent: number): string[] => {
  const pad = ' '.repeat(indent)
  const single = scalar(value)
  if (single !== undefined) return [`${pad}${single}`]
  if (Array.isArray(value)) return value.flatMap((item) => arrayItem(item, indent))
  if (typeof value !== 'object') throw new Error(`cannot write a ${typeof value} as YAML`)
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const head = `${pad}${scalar(key)}:`
    const inline = scalar(child)
    if (inline !== undefined) return [`${head} ${inline}`]
    // Sequences sit at their key's indentation, as kubectl and controller-gen write them.
    return [head, ...lines(child, Array.isArray(child) ? indent : indent + 2)]
  })
}

const arrayItem = (item: unknown, indent: number): string[] => {
  if (Array.isArray(item) && item.length > 0) throw new Error('cannot write nested sequences as YAML')
  const [first = '', ...rest] = lines(item, indent + 2)
  return [`${' '.repeat(indent)}- ${first.slice(indent + 2)}`, ...rest]
}
