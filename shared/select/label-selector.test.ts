import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LabelSelector } from '../api/index.ts'
import { refusal } from '../annotations/refusal.testkit.ts'
import { isEmptySelector, labelSelectorProblems, matchesLabelSelector } from './label-selector.ts'

type LabelSelectorRequirement = NonNullable<LabelSelector['matchExpressions']>[number]

const node = { 'node-subnet': 'subnet-6', zone: 'a', 'kubernetes.io/os': 'linux' }

describe('matchesLabelSelector', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector matches everything', {}, true],
    ['empty lists match everything', { matchLabels: {}, matchExpressions: [] }, true],
    ['matchLabels hit', { matchLabels: { 'node-subnet': 'subnet-6' } }, true],
    ['matchLabels wrong value', { matchLabels: { 'node-subnet': 'subnet-7' } }, false],
    ['matchLabels missing key', { matchLabels: { rack: '1' } }, false],
    ['matchLabels all must hold', { matchLabels: { 'node-subnet': 'subnet-6', zone: 'b' } }, false],
    ['In hit', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b', 'a'] }] }, true],
    ['In miss', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, false],
    ['In missing key', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['1'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, true],
    ['NotIn miss', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, false],
    ['NotIn missing key is true', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['1'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, true],
    ['Exists missing', { matchExpressions: [{ key: 'rack', operator: 'Exists' }] }, false],
    ['Exists with values: []', { matchExpressions: [{ key: 'zone', operator: 'Exists', values: [] }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, false],
    [
      'matchLabels AND matchExpressions',
      { matchLabels: { zone: 'a' }, matchExpressions: [{ key: 'node-subnet', operator: 'In', values: ['subnet-7'] }] },
      false,
    ],
    [
      'several expressions all hold',
      {
        matchExpressions: [
          { key: 'zone', operator: 'Exists' },
          { key: 'node-subnet', operator: 'NotIn', values: ['subnet-7'] },
          { key: 'rack', operator: 'DoesNotExist' },
        ],
      },
      true,
    ],
  ])('%s', (_name, selector, want) => {
    expect(matchesLabelSelector(selector, node)).toBe(want)
  })

  it('does not mistake inherited properties for labels', () => {
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(false)
    expect(matchesLabelSelector({ matchExpressions: [{ key: 'constructor', operator: 'DoesNotExist' }] }, {})).toBe(true)
  })

  it('refuses an invalid selector instead of guessing', () => {
    const bad = { matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] } as LabelSelector
    expect(refusal(() => matchesLabelSelector(bad, node))).toEqual({
      code: 'invalid-resource',
      message: 'invalid label selector: matchExpressions[0]: values must be non-empty for operator In',
    })
  })
})

describe('labelSelectorProblems', () => {
  it.each<[string, LabelSelector, string[]]>([
    ['valid', { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['b'] }] }, []],
    ['In without values', { matchExpressions: [{ key: 'a', operator: 'In' }] }, ['matchExpressions[0]: values must be non-empty for operator In']],
    [
      'NotIn with []',
      { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
      ['matchExpressions[0]: values must be non-empty for operator NotIn'],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      ['matchExpressions[0]: values must be empty for operator Exists'],
    ],
    [
      'DoesNotExist with values',
      { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] },
      ['matchExpressions[0]: values must be empty for operator DoesNotExist'],
    ],
    [
      'unknown operator',
      { matchExpressions: [{ key: 'a', operator: 'Gt' as 'In', values: ['1'] }] },
      ['matchExpressions[0]: "Gt" is not a valid label selector operator'],
    ],
    ['empty key', { matchExpressions: [{ key: '', operator: 'Exists' }] }, ['matchExpressions[0]: key must not be empty']],
    ['empty matchLabels key', { matchLabels: { '': 'x' } }, ['matchLabels: key must not be empty']],
    [
      'every problem is listed',
      {
        matchExpressions: [
          { key: 'a', operator: 'In' },
          { key: 'b', operator: 'Exists', values: ['1'] },
        ],
      },
      ['matchExpressions[0]: values must be non-empty for operator In', 'matchExpressions[1]: values must be empty for operator Exists'],
    ],
  ])('%s', (_name, selector, want) => {
    expect(labelSelectorProblems(selector)).toEqual(want)
  })
})

describe('isEmptySelector', () => {
  it.each<[LabelSelector, boolean]>([
    [{}, true],
    [{ matchLabels: {} }, true],
    [{ matchLabels: {}, matchExpressions: [] }, true],
    [{ matchLabels: { a: 'b' } }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, false],
  ])('%j -> %s', (selector, want) => {
    expect(isEmptySelector(selector)).toBe(want)
  })
})

// Small alphabets so keys and values collide often enough to exercise every branch.
const key = fc.constantFrom('a', 'b', 'c', 'd')
const value = fc.constantFrom('1', '2', '3')
const labels = fc.dictionary(key, value)
const values = fc.uniqueArray(value, { minLength: 1, maxLength: 3 })
const requirement: fc.Arbitrary<LabelSelectorRequirement> = fc.oneof(
  fc.record({ key, operator: fc.constantFrom('In' as const, 'NotIn' as const), values }),
  fc.record({ key, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
)
const selector: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: fc.dictionary(key, value), matchExpressions: fc.array(requirement, { maxLength: 3 }) },
  { requiredKeys: [] },
)

describe('label selector properties', () => {
  it('the empty selector matches any labels', () => {
    fc.assert(fc.property(labels, (l) => matchesLabelSelector({}, l)))
  })

  it('a selector is the AND of its parts', () => {
    fc.assert(
      fc.property(selector, selector, labels, (s1, s2, l) => {
        const both: LabelSelector = {
          matchExpressions: [
            ...(s1.matchExpressions ?? []),
            ...(s2.matchExpressions ?? []),
            ...Object.entries({ ...s1.matchLabels }).map(([k, v]) => ({ key: k, operator: 'In' as const, values: [v] })),
            ...Object.entries({ ...s2.matchLabels }).map(([k, v]) => ({ key: k, operator: 'In' as const, values: [v] })),
          ],
        }
        return matchesLabelSelector(both, l) === (matchesLabelSelector(s1, l) && matchesLabelSelector(s2, l))
      }),
    )
  })

  it('NotIn is the negation of In, DoesNotExist of Exists', () => {
    fc.assert(
      fc.property(key, values, labels, (k, vs, l) => {
        const m = (r: LabelSelectorRequirement) => matchesLabelSelector({ matchExpressions: [r] }, l)
        return (
          m({ key: k, operator: 'NotIn', values: vs }) === !m({ key: k, operator: 'In', values: vs }) &&
          m({ key: k, operator: 'DoesNotExist' }) === !m({ key: k, operator: 'Exists' })
        )
      }),
    )
  })

  it('matchLabels taken from the labels themselves always match, and adding labels never breaks a match', () => {
    fc.assert(
      fc.property(labels, labels, (l, extra) => {
        const subset = Object.fromEntries(Object.entries(l).filter((_, i) => i % 2 === 0))
        return matchesLabelSelector({ matchLabels: subset }, { ...extra, ...l })
      }),
    )
  })

  it('generated valid selectors report no problems', () => {
    fc.assert(fc.property(selector, (s) => labelSelectorProblems(s).length === 0))
  })
})
