import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PodView } from '../../shared/api/views.ts'
import { createLeakCollector } from './leak-collector.ts'

const pod = (extra: Partial<PodView> = {}): PodView => ({
  namespace: 'ns',
  name: 'p',
  uid: 'u',
  labels: {},
  annotations: {},
  ownerReferences: [],
  phase: 'Running',
  ...extra,
})

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('leak collector', () => {
  it('scans on its interval, not at start', async () => {
    let scans = 0
    const collector = createLeakCollector({ collect: async () => void scans++, intervalMs: 60_000 })
    collector.start()
    await vi.advanceTimersByTimeAsync(59_000)
    expect(scans).toBe(0)
    await vi.advanceTimersByTimeAsync(121_000)
    expect(scans).toBe(3)
    await collector.stop()
  })

  it('scans once soon after a burst of deleted or finished pods; a running or terminating pod asks nothing', async () => {
    let scans = 0
    const collector = createLeakCollector({ collect: async () => void scans++, intervalMs: 600_000, soonMs: 1000 })
    collector.start()
    collector.onPod('MODIFIED', pod())
    collector.onPod('MODIFIED', pod({ deletionTimestamp: '2026-11-25T12:00:00Z' }))
    await vi.advanceTimersByTimeAsync(5000)
    expect(scans).toBe(0)
    collector.onPod('DELETED', pod())
    collector.onPod('MODIFIED', pod({ phase: 'Succeeded', restartPolicy: 'Never' }))
    await vi.advanceTimersByTimeAsync(1000)
    expect(scans).toBe(1)
    await collector.stop()
  })

  it('never runs two scans at once, logs a failed one and goes on', async () => {
    let running = 0
    let most = 0
    let calls = 0
    const collect = async () => {
      calls++
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 5000))
      running--
      if (calls === 1) throw new Error('API down')
    }
    const warnings: string[] = []
    const log = { child: () => log, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} }
    const collector = createLeakCollector({ collect, intervalMs: 1000, log: log as never })
    collector.start()
    await vi.advanceTimersByTimeAsync(12_000)
    expect(most).toBe(1)
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(warnings[0]).toMatch(/scan failed/)
    const stopping = collector.stop() // waits for the scan in flight
    await vi.advanceTimersByTimeAsync(5000)
    await stopping
  })

  it('runs a scan asked for during another one after it: the running one listed pods too early', async () => {
    let calls = 0
    const collect = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 5000))
    }
    const collector = createLeakCollector({ collect, intervalMs: 600_000, soonMs: 1000 })
    collector.start()
    collector.onPod('DELETED', pod())
    await vi.advanceTimersByTimeAsync(2000) // the first scan is running
    collector.onPod('DELETED', pod({ name: 'q' }))
    await vi.advanceTimersByTimeAsync(20_000)
    expect(calls).toBe(2)
    await collector.stop()
  })
})
