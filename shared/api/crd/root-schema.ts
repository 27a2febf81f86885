import type * as v from 'valibot'
import { toOpenAPISchema, type OpenAPISchema } from './openapi-schema.ts'

interface Entry {
  type: string
  wrapped?: v.GenericSchema
}

/** Kubernetes describes these itself; a CRD may not say more about metadata than `type: object`. */
const ENVELOPE: Record<string, OpenAPISchema> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object' },
}

/**
 * The openAPIV3Schema of a whole object, from a kind's valibot schema. Unlike nested objects,
 * an optional top-level field (`status`) gets no `default`: the default `{}` in valibot spares
 * readers a `?.`, but the API server must not invent a status.
 */
export const rootOpenAPISchema = (schema: v.ObjectSchema<v.ObjectEntries, undefined>, description: string): OpenAPISchema => {
  const properties: Record<string, OpenAPISchema> = {}
  const required: string[] = []
  for (const key of Object.keys(schema.entries).sort()) {
    const envelope = ENVELOPE[key]
    if (envelope) {
      properties[key] = { ...envelope }
      continue
    }
    const entry = schema.entries[key] as unknown as Entry
    if (entry.type === 'optional') properties[key] = toOpenAPISchema(entry.wrapped as v.GenericSchema)
    else {
      properties[key] = toOpenAPISchema(entry as unknown as v.GenericSchema)
      required.push(key)
    }
  }
  return required.length ? { description, type: 'object', properties, required } : { description, type: 'object', properties }
}
