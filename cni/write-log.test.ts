import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
