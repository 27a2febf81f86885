import { describe, expect, it } from 'vitest'
import { createWorkQueue } from './work-queue.ts'

/** A promise the test resolves by hand, to hold a key in flight. */
const gate = () => {
  let open = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/** A process function that records runs and concurrency, holding each run until released. */
const recorder = () => {
  const runs: string[] = []
  const gates = new Map<string, ReturnType<typeof gate>>()
  let running = 0
  let maxRunning = 0
  const perKey = new Map<string, number>()
  let maxPerKey = 0
  const process = async (key: string) => {
    runs.push(key)
    running++
    perKey.set(key, (perKey.get(key) ?? 0) + 1)
    maxRunning = Math.max(maxRunning, running)
    maxPerKey = Math.max(maxPerKey, perKey.get(key) ?? 0)
    await gates.get(key)?.opened
    running--
    perKey.set(key, (perKey.get(key) ?? 1) - 1)
  }
  const hold = (key: string) => {
    const g = gate()
    gates.set(key, g)
    return () => (gates.delete(key), g.open())
  }
  return { process, hold, runs, max: () => ({ maxRunning, maxPerKey }) }
}

describe('createWorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const r = recorder()
    const release = r.hold('busy')
    const queue = createWorkQueue({ process: r.process, concurrency: 1 })
    queue.add('busy')
    for (let i = 0; i < 5; i++) queue.add('p')
    expect(queue.length).toBe(1)
    release()
    await queue.drained()
    expect(r.runs).toEqual(['busy', 'p'])
  })

  it('never runs one key twice at once, and runs it once more for changes seen mid-flight', async () => {
    const r = recorder()
    const release = r.hold('p')
    const queue = createWorkQueue({ process: r.process, concurrency: 4 })
    queue.add('p')
    await Promise.resolve()
    for (let i = 0; i < 3; i++) queue.add('p')
    expect(r.runs).toEqual(['p'])
    release()
    await queue.drained()
    expect(r.runs).toEqual(['p', 'p'])
    expect(r.max().maxPerKey).toBe(1)
  })

  it('runs different keys side by side, up to the concurrency', async () => {
    const r = recorder()
    const releases = ['a', 'b', 'c'].map((k) => r.hold(k))
    const queue = createWorkQueue({ process: r.process, concurrency: 2 })
    for (const k of ['a', 'b', 'c']) queue.add(k)
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(r.runs).toEqual(['a', 'b'])
    for (const release of releases) release()
    await queue.drained()
    expect(r.runs).toEqual(['a', 'b', 'c'])
    expect(r.max().maxRunning).toBe(2)
  })

  it('retries a key that failed, after a delay that grows with its failures', async () => {
    const delays: number[] = []
    const errors: number[] = []
    let calls = 0
    const done = gate()
    const queue = createWorkQueue({
      process: async () => {
        if (++calls < 3) throw new Error('API down')
        done.open()
      },
      retryDelayMs: (failures) => (delays.push(failures), 1),
      onError: (_key, _error, failures) => errors.push(failures),
    })
    queue.add('p')
    await done.opened
    expect(calls).toBe(3)
    expect(errors).toEqual([1, 2])
    expect(delays).toEqual([1, 2])
  })

  it('survives a process function that throws synchronously', async () => {
    let calls = 0
    const queue = createWorkQueue({
      process: () => {
        calls++
        throw new Error('sync')
      },
      retryDelayMs: () => 60_000,
    })
    queue.add('p')
    await queue.drained()
    queue.add('p')
    await queue.drained()
    expect(calls).toBe(2)
    await queue.stop()
  })

  it('stop drops waiting keys and retries, and waits for the ones in flight', async () => {
    const r = recorder()
    const release = r.hold('a')
    const queue = createWorkQueue({ process: r.process, concurrency: 1 })
    queue.add('a')
    queue.add('b')
    await Promise.resolve()
    const stopped = queue.stop()
    let done = false
    void stopped.then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(done).toBe(false)
    release()
    await stopped
    queue.add('c')
    await queue.drained()
    expect(r.runs).toEqual(['a'])
  })
})
