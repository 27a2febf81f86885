import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { toOpenAPISchema } from './openapi-schema.ts'

describe('toOpenAPISchema', () => {
  it('translates the constructs the API schemas use', () => {
    const schema = v.object({
      name: v.string(),
      count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(9)), 0),
      ratio: v.optional(v.number()),
      on: v.optional(v.boolean(), false),
      family: v.optional(v.picklist([4, 6])),
      op: v.picklist(['In', 'NotIn']),
      tags: v.optional(v.pipe(v.array(v.string()), v.metadata({ openapi: { 'x-kubernetes-list-type': 'set' } }))),
      labels: v.optional(v.record(v.string(), v.string())),
      note: v.optional(v.pipe(v.string(), v.description('why it exists'))),
    })
    expect(toOpenAPISchema(schema)).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer', format: 'int64', minimum: 0, maximum: 9, default: 0 },
        family: { type: 'integer', format: 'int64', enum: [4, 6] },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        name: { type: 'string' },
        note: { type: 'string', description: 'why it exists' },
        on: { type: 'boolean', default: false },
        op: { type: 'string', enum: ['In', 'NotIn'] },
        ratio: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      },
      required: ['name', 'op'],
    })
  })

  it.each([
    ['a check the API server would not make', v.object({ ip: v.pipe(v.string(), v.ipv4()) }), /"ipv4" at ip/],
    ['a union', v.object({ x: v.union([v.string(), v.number()]) }), /"union" at x/],
    ['a loose object', v.object({ x: v.looseObject({}) }), /"loose_object" at x/],
    ['a nullable field', v.object({ x: v.nullish(v.string()) }), /"nullish" at x/],
    ['a record keyed by a checked string', v.object({ x: v.record(v.pipe(v.string(), v.email()), v.string()) }), /record key/],
    ['a mixed picklist', v.object({ x: v.picklist([1, 'a']) }), /picklist/],
  ])('refuses %s instead of silently dropping it', (_, schema, message) => {
    expect(() => toOpenAPISchema(schema)).toThrow(message)
  })
})
