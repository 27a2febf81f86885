import { describe, expect, it } from 'vitest'
import { createBufferedLogger, createLogger } from './log.ts'

const now = () => new Date('2026-11-25T12:00:00Z')

describe('logger', () => {
  it('writes one JSON line per entry at or above its level, with the child fields', () => {
    const lines: string[] = []
    const log = createLogger({ level: 'info', write: (l) => lines.push(l), now }).child({ function: 'allocate' })
    log.debug('dropped')
    log.child({ pod: 'ns/p' }).info('allocated', { ips: ['10.6.0.1'], count: 3n })
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: '2026-11-25T12:00:00.000Z', level: 'info', msg: 'allocated', function: 'allocate', pod: 'ns/p', ips: ['10.6.0.1'], count: '3' },
    ])
  })

  it('logs an error as its message, and with its stack under `stack`', () => {
    const lines: string[] = []
    const log = createLogger({ write: (l) => lines.push(l), now })
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:6443')
    log.error('bug', { error: new Error('fetch failed', { cause }), stack: new TypeError('x is undefined') })
    const entry = JSON.parse(lines[0] ?? '{}')
    expect(entry.error).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:6443')
    expect(entry.stack).toMatch(/^TypeError: x is undefined\n\s+at /)
  })

  it('a buffered logger renders its entries later, at the level learnt meanwhile', () => {
    const { log, render } = createBufferedLogger({ now, fields: { plugin: 'spinneret' } })
    log.debug('request')
    log.child({ cmd: 'ADD' }).warn('slow')
    expect(render('warn')).toEqual(['{"time":"2026-11-25T12:00:00.000Z","level":"warn","msg":"slow","plugin":"spinneret","cmd":"ADD"}'])
    expect(render('debug')).toHaveLength(2)
  })
})
