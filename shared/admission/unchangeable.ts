import { forbidden, type FieldError } from './field-error.ts'
import { deepEqual } from './json-patch.ts'
import { familyFromSubnet } from './mutate-common.ts'

/**
 * `ipVersion` and `subnet` are fixed once created (Spiderpool: "is not changeable"): addresses
 * already handed out, and the pools matched to a subnet by its text, depend on them. An unset
 * `ipVersion` stands for the family of the subnet (mutation fills it in).
 */
export const unchangeable = (old: { ipVersion?: number; subnet?: string }, next: { ipVersion?: number; subnet?: string }): FieldError | undefined => {
  const before = old.ipVersion ?? (old.subnet === undefined ? undefined : familyFromSubnet(old.subnet))
  const after = next.ipVersion ?? (next.subnet === undefined ? undefined : familyFromSubnet(next.subnet))
  if (before !== undefined && after !== undefined && before !== after) {
    return forbidden('spec.ipVersion', 'is not changeable')
  }
  if (old.subnet !== next.subnet) return forbidden('spec.subnet', 'is not changeable')
  return undefined
}

/**
 * What an update is decided on before any rule: refused when `ipVersion` or `subnet` changed,
 * `'same'` when the spec is as it was (a label, a finalizer: not judged again, so that an object
 * admitted before these rules existed can still get and lose its finalizer), else undefined.
 */
export const updateShortcut = (old: { ipVersion?: number; subnet?: string }, next: { ipVersion?: number; subnet?: string }): FieldError | 'same' | undefined =>
  unchangeable(old, next) ?? (deepEqual(old, next) ? 'same' : undefined)
