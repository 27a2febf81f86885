import type * as v from 'valibot'

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * `spec.routes[0].gw`, `["10.6.168.65"].podUid`: valibot's dot path would print IP keys as
 * `10.6.168.65.podUid`, which reads like four nested fields. `root` names where the checked
 * value sits (e.g. "prevResult").
 */
export const formatIssuePath = (issue: v.BaseIssue<unknown>, root = ''): string => {
  let out = root
  for (const item of issue.path ?? []) {
    const key: unknown = item.key
    if (typeof key === 'number') out += `[${key}]`
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`
    else out += `[${JSON.stringify(String(key))}]`
  }
  return out === '' ? '(root)' : out
}

/**
 * `path: what is wrong` for one issue: the one wording of bad input everywhere (request bodies,
 * resources, the plugin's config). A missing key reads "required" rather than valibot's
 * "Invalid key: Expected ... but received undefined".
 */
export const issueText = (issue: v.BaseIssue<unknown>, root = ''): string => {
  const message = issue.kind === 'schema' && issue.input === undefined ? 'required' : issue.message
  return `${formatIssuePath(issue, root)}: ${message}`
}

/** One line per issue, for IpamError.details. */
export const describeIssues = (issues: readonly v.BaseIssue<unknown>[]): string => issues.map((issue) => issueText(issue)).join('\n')
