import { describe, expect, it } from 'vitest'
import { buildCrds, type CustomResourceDefinition } from './build-crds.ts'
import type { OpenAPISchema } from './openapi-schema.ts'

const crds = buildCrds().map(({ crd }) => crd)
const byKind = (kind: string): CustomResourceDefinition => {
  const crd = crds.find((c) => c.spec.names.kind === kind)
  if (!crd) throw new Error(`no CRD for ${kind}`)
  return crd
}
const version = (crd: CustomResourceDefinition) => {
  const [v] = crd.spec.versions
  if (!v) throw new Error('no version')
  return v
}
const rootSchema = (crd: CustomResourceDefinition) => version(crd).schema.openAPIV3Schema
const columnNames = (kind: string, wide = false) =>
  version(byKind(kind))
    .additionalPrinterColumns.filter((c) => wide || !c.priority)
    .map((c) => c.name)

const KNOWN_KEYS = new Set([
  'type',
  'description',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'items',
  'properties',
  'additionalProperties',
  'required',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
])

/** Every node of a schema with its path. */
const nodes = (schema: OpenAPISchema, path = ''): [string, OpenAPISchema][] => [
  [path, schema],
  ...Object.entries(schema.properties ?? {}).flatMap(([k, s]) => nodes(s, `${path}.${k}`)),
  ...(schema.items ? nodes(schema.items, `${path}[]`) : []),
  ...(schema.additionalProperties ? nodes(schema.additionalProperties, `${path}{}`) : []),
]

/** Follows a printer column's JSONPath (`.a.b`, `[0]`, `['key']`) through the schema. */
const resolve = (schema: OpenAPISchema, jsonPath: string): OpenAPISchema | undefined => {
  let node: OpenAPISchema | undefined = schema
  for (const [, field, index, key] of jsonPath.matchAll(/\.([A-Za-z]\w*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]/g)) {
    if (field !== undefined) node = node?.properties?.[field]
    else if (index !== undefined) node = node?.items
    else if (key !== undefined) node = node?.additionalProperties
  }
  return node
}

describe('the generated CRDs', () => {
  it('names and scopes the four kinds as Spiderpool does', () => {
    expect(crds.map((c) => [c.metadata.name, c.spec.scope, c.spec.names.shortNames, c.spec.names.categories, !!version(c).subresources])).toEqual([
      ['spiderippools.spiderpool.spidernet.io', 'Cluster', ['sp'], ['spiderpool'], true],
      ['spidersubnets.spiderpool.spidernet.io', 'Cluster', ['ss'], ['spiderpool'], true],
      ['spiderreservedips.spiderpool.spidernet.io', 'Cluster', ['sr'], ['spiderpool'], false],
      ['spiderendpoints.spiderpool.spidernet.io', 'Namespaced', ['se'], ['spiderpool'], false],
    ])
  })

  it('prints the columns users know from Spiderpool', () => {
    expect(['NAME', ...columnNames('SpiderIPPool')].join(' ')).toBe('NAME VERSION SUBNET ALLOCATED-IP-COUNT TOTAL-IP-COUNT DEFAULT DISABLE')
    expect(columnNames('SpiderIPPool', true)).toContain('NODENAME')
    expect(['NAME', ...columnNames('SpiderSubnet')].join(' ')).toBe('NAME VERSION SUBNET ALLOCATED-IP-COUNT TOTAL-IP-COUNT')
    expect(columnNames('SpiderEndpoint')).toEqual(['INTERFACE', 'IPV4POOL', 'IPV4', 'IPV6POOL', 'IPV6', 'NODE'])
  })

  it.each(crds.map((crd) => [crd.spec.names.kind, crd] as const))('%s: every printer column shows a field that exists, with a matching type', (_, crd) => {
    for (const column of version(crd).additionalPrinterColumns) {
      const field = resolve(rootSchema(crd), column.jsonPath)
      expect(field, column.jsonPath).toBeDefined()
      // A string column may show a number (VERSION shows ipVersion), not the other way round.
      if (column.type !== 'string') expect(field?.type, column.jsonPath).toBe(column.type)
    }
  })

  it('makes unset DEFAULT and DISABLE print false, through schema defaults', () => {
    const spec = rootSchema(byKind('SpiderIPPool')).properties?.spec
    expect(spec?.properties?.default).toEqual({ type: 'boolean', default: false })
    expect(spec?.properties?.disable).toEqual({ type: 'boolean', default: false })
    expect(spec?.properties?.ipVersion).toEqual({ type: 'integer', format: 'int64', enum: [4, 6] })
    expect(spec?.required).toEqual(['subnet'])
  })

  it.each(crds.map((crd) => [crd.spec.names.kind, crd] as const))('%s: the schema is structural', (_, crd) => {
    const root = rootSchema(crd)
    expect(root.properties?.metadata).toEqual({ type: 'object' })
    for (const [path, node] of nodes(root)) {
      expect(node.type, `type at ${path || '(root)'}`).toBeDefined()
      for (const key of Object.keys(node)) expect(KNOWN_KEYS, `${key} at ${path}`).toContain(key)
      for (const name of node.required ?? []) expect(node.properties, `${name} at ${path}`).toHaveProperty(name)
    }
  })
})
