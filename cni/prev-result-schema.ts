import * as v from 'valibot'

/**
 * The parts of `prevResult` CHECK compares. It is usually the main plugin's result, in any
 * supported version: `interfaces` and `ips[].interface` may be there, everything else is ignored.
 */
export const PrevResultSchema = v.object(
  {
    interfaces: v.nullish(v.array(v.object({ name: v.string() }))),
    ips: v.nullish(
      v.array(
        v.object({
          address: v.string('expected an address string'),
          interface: v.nullish(v.number()),
        }),
      ),
    ),
  },
  'expected a result object',
)

export type PrevResult = v.InferOutput<typeof PrevResultSchema>
