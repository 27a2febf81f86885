import { describe, expect, it, vi } from 'vitest'
import { silentLogger, type Logger } from '../../shared/log.ts'
import { createReadiness } from './readiness.ts'

const recordingLog = () => {
  const lines: Array<{ level: string; msg: string; fields?: unknown }> = []
  const log: Logger = {
    ...silentLogger,
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
  }
  return { log, lines }
}

describe('createReadiness', () => {
  it('is not ready before the first round, then follows the checks', async () => {
    let problems = ['CRD spiderippools.spiderpool.spidernet.io is not installed']
    const readiness = createReadiness({ checks: [() => problems], log: silentLogger, intervalMs: 60_000 })
    expect(readiness.current()).toEqual({ ready: false, problems: ['starting'] })
    await readiness.start()
    expect(readiness.current()).toEqual({ ready: false, problems })
    problems = []
    await readiness.start() // another round now
    expect(readiness.current()).toEqual({ ready: true, problems: [] })
    readiness.stop()
  })

  it('collects the problems of every check', async () => {
    const readiness = createReadiness({ checks: [() => ['a'], async () => ['b', 'c'], () => []], log: silentLogger })
    await readiness.start()
    expect(readiness.current().problems).toEqual(['a', 'b', 'c'])
    readiness.stop()
  })

  it('counts a check that throws or hangs as a problem, and answers within the timeout', async () => {
    const readiness = createReadiness({
      checks: [() => Promise.reject(new Error('ECONNREFUSED')), () => new Promise<string[]>(() => {})],
      log: silentLogger,
      timeoutMs: 50,
    })
    const t0 = Date.now()
    await readiness.start()
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(readiness.current().problems).toEqual(['a readiness check failed: ECONNREFUSED', 'a readiness check took longer than 50 ms'])
    readiness.stop()
  })

  it('logs a change once, with its reasons', async () => {
    const { log, lines } = recordingLog()
    let problems = ['API server unreachable']
    const readiness = createReadiness({ checks: [() => problems], log })
    await readiness.start()
    await readiness.start()
    problems = []
    await readiness.start()
    await readiness.start()
    expect(lines).toEqual([
      { level: 'warn', msg: 'not ready', fields: { problems: ['API server unreachable'] } },
      { level: 'info', msg: 'ready', fields: undefined },
    ])
    readiness.stop()
  })

  it('checks every interval while ready and more often while not', async () => {
    vi.useFakeTimers()
    try {
      let problems: string[] = []
      const check = vi.fn(() => problems)
      const readiness = createReadiness({ checks: [check], log: silentLogger, intervalMs: 1000, retryMs: 100 })
      await readiness.start()
      await vi.advanceTimersByTimeAsync(3500)
      expect(check).toHaveBeenCalledTimes(4)
      problems = ['down']
      await vi.advanceTimersByTimeAsync(500) // the round at 4000 ms finds it down
      check.mockClear()
      await vi.advanceTimersByTimeAsync(1000)
      expect(check).toHaveBeenCalledTimes(10)
      readiness.stop()
      await vi.advanceTimersByTimeAsync(5000)
      expect(check).toHaveBeenCalledTimes(10)
    } finally {
      vi.useRealTimers()
    }
  })
})
