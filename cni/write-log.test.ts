import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { writeLog } from './write-log.ts'

describe('writeLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-log-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('appends lines to log_file_path, creating its directory', () => {
    const file = join(dir, 'spidernet', 'spiderpool.log')
    const stderr: string[] = []
    writeLog(['{"a":1}'], file, (t) => stderr.push(t))
    writeLog(['{"b":2}', '{"c":3}'], file, (t) => stderr.push(t))
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n')
    expect(stderr).toEqual([])
  })

  it('writes to stderr without a file, and nothing at all without lines', () => {
    const stderr: string[] = []
    writeLog(['{"a":1}'], undefined, (t) => stderr.push(t))
    writeLog([], undefined, (t) => stderr.push(t))
    expect(stderr).toEqual(['{"a":1}\n'])
  })

  it("rotates as Spiderpool's plugin does: past max size renamed with a time stamp, old and surplus backups removed", () => {
    const logs = join(dir, 'rotating')
    const file = join(logs, 'spiderpool.log')
    const line = 'x'.repeat(400 * 1024) // 3 lines pass 1 MiB
    const rotation = { maxSizeMiB: 1, maxAgeDays: 30, maxCount: 2 }
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute))
    for (let i = 0; i < 12; i++) writeLog([line], file, () => {}, rotation, at(i))
    const names = readdirSync(logs).sort()
    // Two lines fit in 1 MiB: every second write rotates (at minutes 2, 4, ... 10); two backups stay.
    expect(names).toEqual(['spiderpool-2026-01-01T00-08-00.000.log', 'spiderpool-2026-01-01T00-10-00.000.log', 'spiderpool.log'])
    expect(statSync(file).size).toBe(2 * (line.length + 1))
    // Older than max age: gone at the next rotation, whatever max count says.
    const old = join(logs, 'spiderpool-2025-01-01T00-00-00.000.log')
    writeFileSync(old, 'old')
    writeLog([line], file, () => {}, { ...rotation, maxCount: 0 }, new Date())
    expect(existsSync(old)).toBe(false)
  })

  it('falls back to stderr, with a warning, when the file cannot be written', () => {
    const blocker = join(dir, 'not-a-dir')
    writeFileSync(blocker, '')
    const stderr: string[] = []
    writeLog(['{"a":1}'], join(blocker, 'x.log'), (t) => stderr.push(t))
    expect(stderr).toHaveLength(2)
    expect(JSON.parse(stderr[0] ?? '')).toMatchObject({ level: 'warn', msg: 'cannot write log file' })
    expect(stderr[1]).toBe('{"a":1}\n')
  })
})
