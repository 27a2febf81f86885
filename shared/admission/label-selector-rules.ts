import type { LabelSelector } from '../api/index.ts'
import { isEmptySelector } from '../select/index.ts'
import { forbidden, invalid, required, type FieldError } from './field-error.ts'

/**
 * A pool's `podAffinity`: what apimachinery's ValidateLabelSelector says of the operators' values,
 * and Spiderpool's own rule that an empty selector (which would match every pod) is refused.
 */
export const checkPodAffinity = (selector: LabelSelector | undefined): FieldError[] => {
  if (selector === undefined) return []
  const field = 'spec.podAffinity'
  const errors: FieldError[] = []
  for (const [i, requirement] of (selector.matchExpressions ?? []).entries()) {
    const values = `${field}.matchExpressions[${i}].values`
    const count = requirement.values?.length ?? 0
    if ((requirement.operator === 'In' || requirement.operator === 'NotIn') && count === 0) {
      errors.push(required(values, "must be specified when `operator` is 'In' or 'NotIn'"))
    }
    if ((requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist') && count > 0) {
      errors.push(forbidden(values, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    }
  }
  if (isEmptySelector(selector)) {
    errors.push(invalid(field, selector, 'empty podAffinity is invalid for SpiderIPPool'))
  }
  return errors
}
