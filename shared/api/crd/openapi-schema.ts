import type * as v from 'valibot'

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that the generator emits. */
export interface OpenAPISchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean'
  description?: string
  format?: string
  enum?: unknown[]
  default?: unknown
  minimum?: number
  maximum?: number
  items?: OpenAPISchema
  properties?: Record<string, OpenAPISchema>
  additionalProperties?: OpenAPISchema
  required?: string[]
  [extension: `x-kubernetes-${string}`]: unknown
}

/** What the walker reads of a valibot schema or action; valibot exposes these as plain fields. */
interface Node {
  kind: string
  type: string
  pipe?: readonly Node[]
  entries?: Record<string, Node>
  wrapped?: Node
  default?: unknown
  item?: Node
  key?: Node
  value?: Node
  options?: readonly unknown[]
  requirement?: unknown
  description?: string
  metadata?: { openapi?: Record<string, unknown> }
}

/**
 * Translates a valibot schema into the OpenAPI v3 schema of a CRD, so that the schema the API server
 * enforces and the one Spinneret parses with cannot drift: there is only one.
 *
 * Anything it does not know (a new schema type, a regex action, ...) throws instead of being
 * skipped, because a check the API server does not make is exactly the drift this prevents.
 * OpenAPI-only facts (x-kubernetes-* markers) come from `v.metadata({ openapi: {...} })`.
 */
export const toOpenAPISchema = (schema: v.GenericSchema): OpenAPISchema => walk(schema as unknown as Node, '')

const fail = (path: string, what: string): never => {
  throw new Error(`cannot express ${what} at ${path || '(root)'} in a CRD schema`)
}

const walk = (node: Node, path: string): OpenAPISchema => {
  const out = base(node, path)
  for (const action of node.pipe?.slice(1) ?? []) applyAction(out, action, path)
  return out
}

const base = (node: Node, path: string): OpenAPISchema => {
  switch (node.type) {
    case 'string':
    case 'boolean':
    case 'number':
      return { type: node.type }
    case 'picklist':
      return picklist(node.options ?? [], path)
    case 'array':
      return { type: 'array', items: walk(node.item as Node, `${path}[]`) }
    case 'record':
      if (node.key?.type !== 'string' || node.key.pipe) fail(path, 'a record key other than string')
      return { type: 'object', additionalProperties: walk(node.value as Node, `${path}{}`) }
    case 'object':
      return object(node.entries ?? {}, path)
    default:
      return fail(path, `valibot schema type "${node.type}"`)
  }
}

const picklist = (options: readonly unknown[], path: string): OpenAPISchema => {
  if (options.every((o) => Number.isInteger(o))) return { type: 'integer', format: 'int64', enum: [...options] }
  if (options.every((o) => typeof o === 'string')) return { type: 'string', enum: [...options] }
  return fail(path, 'a picklist of mixed or fractional values')
}

const object = (entries: Record<string, Node>, path: string): OpenAPISchema => {
  const properties: Record<string, OpenAPISchema> = {}
  const required: string[] = []
  for (const key of Object.keys(entries).sort()) {
    const entry = entries[key] as Node
    const at = path ? `${path}.${key}` : key
    if (entry.type === 'optional') {
      properties[key] = walk(entry.wrapped as Node, at)
      const value = typeof entry.default === 'function' ? (entry.default as () => unknown)() : entry.default
      if (value !== undefined) properties[key] = { ...properties[key], default: value }
    } else {
      properties[key] = walk(entry, at)
      required.push(key)
    }
  }
  return required.length ? { type: 'object', properties, required } : { type: 'object', properties }
}

const applyAction = (out: OpenAPISchema, action: Node, path: string): void => {
  switch (action.type) {
    case 'integer':
      if (out.type !== 'number') fail(path, 'integer() on a non-number')
      out.type = 'integer'
      out.format = 'int64'
      return
    case 'min_value':
    case 'max_value':
      if (out.type !== 'integer' && out.type !== 'number') fail(path, `${action.type}() on a non-number`)
      out[action.type === 'min_value' ? 'minimum' : 'maximum'] = action.requirement as number
      return
    case 'description':
      out.description = action.description as string
      return
    case 'metadata':
      Object.assign(out, action.metadata?.openapi ?? {})
      return
    default:
      fail(path, `valibot action "${action.type}"`)
  }
}
