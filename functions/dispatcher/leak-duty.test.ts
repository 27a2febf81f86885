import { afterEach, describe, expect, it, vi } from 'vitest'
import type { WatchHandler, WatchKind, WatchSource } from '../../shared/store/store.ts'
import type { NodeView } from '../../shared/api/views.ts'
import { depsFor, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { startLeakDuty } from './leak-duty.ts'

class Source implements WatchSource {
  readonly handlers = new Map<WatchKind, Set<WatchHandler<WatchKind>>>()
  watch<K extends WatchKind>(kind: K, onEvent: WatchHandler<K>) {
    const set = this.handlers.get(kind) ?? new Set()
    set.add(onEvent as unknown as WatchHandler<WatchKind>)
    this.handlers.set(kind, set)
    return () => void set.delete(onEvent as unknown as WatchHandler<WatchKind>)
  }
  async list() {
    return []
  }
  node(type: 'MODIFIED' | 'DELETED', node: NodeView) {
    for (const h of this.handlers.get('Node') ?? []) (h as unknown as WatchHandler<'Node'>)(type, node)
  }
}

afterEach(() => vi.useRealTimers())

const start = (source: Source, extra: Partial<Parameters<typeof startLeakDuty>[0]> = {}) => {
  const store = seedStore()
  const scans: string[] = []
  const stop = startLeakDuty({
    store,
    source,
    poolWriter: depsFor(store).poolWriter,
    intervalMs: 600_000,
    soonMs: 1000,
    onScan: (o) => scans.push('error' in o ? 'failed' : 'ok'),
    ...extra,
  })
  return { scans, stop }
}

describe('leak duty', () => {
  it("a new leader scans soon after it starts; a node's service waits for its interval", async () => {
    vi.useFakeTimers()
    const leader = start(new Source(), { nodeDownGraceSeconds: 600, scanAtStart: true })
    const node = start(new Source(), { nodeName: 'controller-node-1' })
    await vi.advanceTimersByTimeAsync(1500)
    expect([leader.scans, node.scans]).toEqual([['ok'], []])
    await Promise.all([leader.stop(), node.stop()])
  })

  it('the leader watches nodes: one that went NotReady is judged when its grace has passed, once', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-25T12:00:00Z') })
    const source = new Source()
    const { scans, stop } = start(source, { nodeDownGraceSeconds: 60 })
    const down: NodeView = { name: 'n1', labels: {}, ready: false, readySince: '2026-11-25T11:59:30Z' }
    source.node('MODIFIED', down)
    source.node('MODIFIED', down) // status updates of a NotReady node repeat
    await vi.advanceTimersByTimeAsync(29_000)
    expect(scans).toEqual([])
    await vi.advanceTimersByTimeAsync(3000)
    expect(scans).toEqual(['ok'])
    source.node('DELETED', down)
    await vi.advanceTimersByTimeAsync(1500)
    expect(scans).toEqual(['ok', 'ok'])
    await stop()
  })

  it("a node's service does not watch nodes", async () => {
    const source = new Source()
    const { stop } = start(source, { nodeName: 'controller-node-1', nodeDownGraceSeconds: 60 })
    expect([...source.handlers.keys()]).toEqual(['Pod'])
    await stop()
  })
})
