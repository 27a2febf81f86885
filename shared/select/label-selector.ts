import type { LabelSelector } from '../api/index.ts'
import { IpamError } from '../errors.ts'

export type Labels = Readonly<Record<string, string>>

type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number]

const OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist'])

/**
 * True when the selector constrains nothing (and so matches everything). Admission refuses an
 * empty `podAffinity`: a pool meant for some pods must not silently serve all.
 */
export const isEmptySelector = (selector: LabelSelector): boolean =>
  Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0

/**
 * What makes a selector unusable, as Kubernetes' LabelSelectorAsSelector would refuse it; empty
 * when it is valid. The selector may come from an unchecked object, so nothing is trusted.
 */
export const labelSelectorProblems = (selector: LabelSelector): string[] => {
  const problems: string[] = []
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (key === '') problems.push('matchLabels: key must not be empty')
    if (typeof value !== 'string') problems.push(`matchLabels.${key}: value must be a string`)
  }
  ;(selector.matchExpressions ?? []).forEach((req, i) => {
    const at = `matchExpressions[${i}]`
    const values = req.values ?? []
    if (typeof req.key !== 'string' || req.key === '') problems.push(`${at}: key must not be empty`)
    if (!OPERATORS.has(req.operator)) {
      problems.push(`${at}: "${String(req.operator)}" is not a valid label selector operator`)
    } else if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
      problems.push(`${at}: values must be non-empty for operator ${req.operator}`)
    } else if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
      problems.push(`${at}: values must be empty for operator ${req.operator}`)
    }
  })
  return problems
}

const matchesRequirement = (req: LabelSelectorRequirement, labels: Labels): boolean => {
  const has = Object.hasOwn(labels, req.key)
  const value = labels[req.key]
  switch (req.operator) {
    case 'In':
      return has && (req.values ?? []).includes(value ?? '')
    case 'NotIn':
      // Kubernetes: a missing key is "not in" any set.
      return !has || !(req.values ?? []).includes(value ?? '')
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
  }
}

/**
 * Kubernetes semantics: every matchLabels pair AND every expression must hold; `{}` matches
 * everything. An invalid selector matches nothing and is reported, never guessed at.
 */
export const matchesLabelSelector = (selector: LabelSelector, labels: Labels): boolean => {
  const problems = labelSelectorProblems(selector)
  if (problems.length > 0) throw new IpamError('invalid-resource', `invalid label selector: ${problems.join('; ')}`)
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, labels))
}
