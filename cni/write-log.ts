import { Buffer } from 'node:buffer'
import { appendFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, parse } from 'node:path'
import { formatEntry } from '../shared/log.ts'

/**
 * How `log_file_path` rotates, with the meaning of Spiderpool's keys (lumberjack's): once an
 * append would take the file past `maxSizeMiB` (0: 100), it is renamed `<name>-<time><ext>`;
 * rotated files older than `maxAgeDays` (0: any age) or beyond the newest `maxCount` (0: all)
 * are removed.
 */
export interface LogRotation {
  readonly maxSizeMiB: number
  readonly maxAgeDays: number
  readonly maxCount: number
}

const MIB = 1024 * 1024
const DAY_MS = 24 * 60 * 60 * 1000

// lumberjack's backup name, name-2006-01-02T15-04-05.000.ext in UTC, and the time it says.
const backupName = (name: string, ext: string, now: Date) => `${name}-${now.toISOString().replace(/:/g, '-').replace('Z', '')}${ext}`
const backupTime = (file: string, name: string, ext: string): number => {
  const stamp = file.slice(name.length + 1, file.length - ext.length)
  return Date.parse(`${stamp.replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:')}Z`)
}

const rotate = (filePath: string, incoming: number, rotation: LogRotation, now: Date): void => {
  let size: number
  try {
    size = statSync(filePath).size
  } catch {
    return // no file yet
  }
  if (size === 0 || size + incoming <= (rotation.maxSizeMiB || 100) * MIB) return
  const { dir, name, ext } = parse(filePath)
  // Two plugin processes may rotate at once: the loser's rename finds no file and appends to a fresh one.
  try {
    renameSync(filePath, join(dir, backupName(name, ext, now)))
  } catch {
    return
  }
  const backups = readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith(ext))
    .map((f) => ({ path: join(dir, f), time: backupTime(f, name, ext) }))
    .filter((b) => !Number.isNaN(b.time)) // not one of ours
    .sort((a, b) => b.time - a.time)
  backups.forEach((b, i) => {
    const tooMany = rotation.maxCount > 0 && i >= rotation.maxCount
    const tooOld = rotation.maxAgeDays > 0 && now.getTime() - b.time > rotation.maxAgeDays * DAY_MS
    if (tooMany || tooOld) rmSync(b.path, { force: true })
  })
}

/**
 * Appends the log lines to `filePath`, rotating it first when `rotation` says so, or hands them
 * to `stderr` when there is no file or it cannot be written (a log that fails must not fail the
 * CNI call).
 */
export const writeLog = (
  lines: readonly string[],
  filePath: string | undefined,
  stderr: (text: string) => void,
  rotation?: LogRotation,
  now = new Date(),
): void => {
  if (lines.length === 0) return
  const text = `${lines.join('\n')}\n`
  if (filePath) {
    try {
      mkdirSync(dirname(filePath), { recursive: true })
      if (rotation) rotate(filePath, Buffer.byteLength(text), rotation, now)
      appendFileSync(filePath, text)
      return
    } catch (e) {
      const warning = { time: now.toISOString(), level: 'warn', msg: 'cannot write log file', fields: { filePath, error: e } } as const
      stderr(`${formatEntry(warning)}\n`)
    }
  }
  stderr(text)
}
