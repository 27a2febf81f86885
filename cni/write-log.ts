import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Appends the log lines to `filePath`, or hands them to `stderr` when there is none or it cannot
 * be written (a log that fails must not fail the CNI call). No rotation: one line per call at
 * info level, and log_file_max_* of Spiderpool's config are accepted but ignored.
 */
export const writeLog = (
  lines: readonly string[],
  filePath: string | undefined,
  stderr: (text: string) => void,
): void => {
  if (lines.length === 0) return
  const text = `${lines.join('\n')}\n`
  if (filePath) {
    try {
      mkdirSync(dirname(filePath), { recursive: true })
      appendFileSync(filePath, text)
      return
    } catch (e) {
      const warning = { level: 'warn', msg: 'cannot write log file', filePath, error: String(e) }
      stderr(`${JSON.stringify(warning)}\n`)
    }
  }
  stderr(text)
}
