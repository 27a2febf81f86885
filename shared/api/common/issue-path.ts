import type * as v from 'valibot'

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * `spec.routes[0].gw`, `["10.6.168.65"].podUid`: valibot's dot path would print IP keys as
 * `10.6.168.65.podUid`, which reads like four nested fields.
 */
export const formatIssuePath = (issue: v.BaseIssue<unknown>): string => {
  let out = ''
  for (const item of issue.path ?? []) {
    const key: unknown = item.key
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out === '' ? '(root)' : out
}

/** One line per issue, for IpamError.details. */
export const describeIssues = (issues: readonly v.BaseIssue<unknown>[]): string =>
  issues.map((issue) => `${formatIssuePath(issue)}: ${issue.message}`).join('\n')
