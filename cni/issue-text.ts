import * as v from 'valibot'

/**
 * `key.path: message` for the first valibot issue, with the key path rooted at `root` (e.g.
 * "prevResult"). A missing key reads "required" rather than valibot's "Invalid key: ...".
 */
export const issueText = (
  issues: readonly [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]],
  root = '',
): string => {
  const issue = issues[0]
  const key = [root, v.getDotPath(issue)].filter((part) => part).join('.') || '(root)'
  const message = issue.kind === 'schema' && issue.input === undefined ? 'required' : issue.message
  return `${key}: ${message}`
}
