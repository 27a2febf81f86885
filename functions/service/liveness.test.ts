import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLiveness } from './liveness.ts'

afterEach(() => vi.useRealTimers())

describe('liveness', () => {
  it('is alive while the heartbeat keeps time', async () => {
    vi.useFakeTimers()
    const liveness = createLiveness({ intervalMs: 500, stallMs: 5000, now: () => Date.now() })
    liveness.start()
    await vi.advanceTimersByTimeAsync(3000)
    expect(liveness.current()).toEqual({ alive: true, lagMs: 0 })
    liveness.stop()
  })

  it('says stalled when a heartbeat fired seconds late, and alive again once it keeps time', () => {
    let t = 0
    let beat = () => {}
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void) => ((beat = fn), 1)) as never)
    const liveness = createLiveness({ intervalMs: 500, stallMs: 5000, windowMs: 10_000, now: () => t })
    liveness.start()
    t = 7500 // a synchronous block of 7 s delayed the heartbeat
    beat()
    expect(liveness.current()).toMatchObject({ alive: false, problem: 'event loop stalled: a 500 ms heartbeat fired 7000 ms late' })
    for (let i = 0; i < 19; i++) {
      t += 500
      beat()
    }
    expect(liveness.current().alive).toBe(false) // within the window: the next probe sees it
    t += 1000
    beat()
    expect(liveness.current().alive).toBe(true)
    t += 6000 // no heartbeat at all since
    expect(liveness.current()).toMatchObject({ alive: false, problem: 'event loop stalled: no heartbeat for 6000 ms' })
    vi.restoreAllMocks()
  })

  it('sees a real block of the event loop', async () => {
    const liveness = createLiveness({ intervalMs: 20, stallMs: 100, windowMs: 1000 })
    liveness.start()
    const until = performance.now() + 300
    while (performance.now() < until) {
      // block the loop
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
    expect(liveness.current().alive).toBe(false)
    liveness.stop()
  })
})
