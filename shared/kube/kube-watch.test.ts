import { describe, expect, it, vi } from 'vitest'
import { createLogger } from '../log.ts'
import { KubeWatch, type WatchTransport } from './kube-watch.ts'
import type { WatchKind } from '../store/store.ts'

interface Stream {
  kind: WatchKind
  resourceVersion: string
  send: (type: string, object: unknown) => void
  end: (error: unknown) => void
  aborted: boolean
}

/** Scripted API server: lists answer from `lists` (the last one repeats), streams are driven by the test. */
class FakeTransport implements WatchTransport {
  lists: Array<{ items: unknown[]; resourceVersion: string } | Error> = []
  listCalls = 0
  streams: Stream[] = []

  async list() {
    this.listCalls++
    const next = this.lists.length > 1 ? this.lists.shift() : this.lists[0]
    if (next === undefined || next instanceof Error) throw next ?? new Error('no list scripted')
    return structuredClone(next)
  }

  async open(kind: WatchKind, resourceVersion: string, onEvent: Stream['send'], done: Stream['end']) {
    const stream: Stream = { kind, resourceVersion, send: onEvent, end: done, aborted: false }
    this.streams.push(stream)
    return () => {
      stream.aborted = true
      done(new Error('aborted'))
    }
  }

  get last(): Stream {
    const stream = this.streams.at(-1)
    if (!stream) throw new Error('no stream opened yet')
    return stream
  }
}

const rawPool = (name: string, resourceVersion: string, ips = ['10.6.0.1']) => ({
  apiVersion: 'spiderpool.spidernet.io/v2beta1',
  kind: 'SpiderIPPool',
  metadata: { name, resourceVersion },
  spec: { subnet: '10.6.0.0/16', ips },
})

const setup = () => {
  const transport = new FakeTransport()
  const lines: string[] = []
  const log = createLogger({ write: (line) => lines.push(line) })
  // Called once per backoff, so the tests can count the failures the loop saw.
  const random = vi.fn(() => 0.5)
  const watch = new KubeWatch(transport, { log, baseBackoffMs: 1, maxBackoffMs: 4, random })
  const events: string[] = []
  const start = () => watch.watch('SpiderIPPool', (type, pool) => events.push(`${type} ${pool.metadata.name} ${pool.spec.ips?.join(',')}`))
  return { transport, lines, watch, events, start, random }
}

describe('KubeWatch', () => {
  it('lists, reports what exists, then watches from the list resourceVersion', async () => {
    const { transport, events, start } = setup()
    transport.lists = [{ items: [rawPool('a', '5')], resourceVersion: '10' }]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    expect(transport.last.resourceVersion).toBe('10')
    transport.last.send('MODIFIED', rawPool('a', '11', ['10.6.0.2']))
    transport.last.send('ADDED', rawPool('b', '12'))
    transport.last.send('BOOKMARK', { metadata: { resourceVersion: '15' } })
    transport.last.send('DELETED', rawPool('a', '16', ['10.6.0.2']))
    expect(events).toEqual(['ADDED a 10.6.0.1', 'MODIFIED a 10.6.0.2', 'ADDED b 10.6.0.1', 'DELETED a 10.6.0.2'])
    stop()
  })

  it('resumes from the last resourceVersion after a timeout or a clean close, without listing again', async () => {
    const { transport, start, random } = setup()
    transport.lists = [{ items: [], resourceVersion: '10' }]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    transport.last.send('ADDED', rawPool('a', '11'))
    transport.last.end(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))
    await vi.waitFor(() => expect(transport.streams).toHaveLength(2))
    expect(transport.last.resourceVersion).toBe('11')
    transport.last.send('BOOKMARK', { metadata: { resourceVersion: '20' } })
    transport.last.end(null)
    await vi.waitFor(() => expect(transport.streams).toHaveLength(3))
    expect(transport.last.resourceVersion).toBe('20')
    expect(transport.listCalls).toBe(1)
    expect(random).not.toHaveBeenCalled()
    stop()
  })

  it('relists after 410 Gone and reports only what changed meanwhile, deletions included', async () => {
    const { transport, events, start } = setup()
    transport.lists = [
      { items: [rawPool('same', '1'), rawPool('changed', '2'), rawPool('deleted', '3')], resourceVersion: '10' },
      { items: [rawPool('same', '1'), rawPool('changed', '20', ['10.6.0.9']), rawPool('new', '21')], resourceVersion: '30' },
    ]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    events.length = 0
    transport.last.send('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })
    transport.last.end(null)
    await vi.waitFor(() => expect(transport.streams).toHaveLength(2))
    expect(transport.last.resourceVersion).toBe('30')
    expect(events.sort()).toEqual(['ADDED new 10.6.0.1', 'DELETED deleted 10.6.0.1', 'MODIFIED changed 10.6.0.9'])
    stop()
  })

  it('backs off and retries when listing fails, logging why', async () => {
    const { transport, lines, events, start, random } = setup()
    transport.lists = [new Error('connection refused'), new Error('connection refused'), { items: [rawPool('a', '1')], resourceVersion: '2' }]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    expect(transport.listCalls).toBe(3)
    expect(random).toHaveBeenCalledTimes(2)
    expect(events).toEqual(['ADDED a 10.6.0.1'])
    expect(lines.filter((l) => l.includes('list failed'))).toHaveLength(2)
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', kind: 'SpiderIPPool', error: 'connection refused' })
    stop()
  })

  it('restarts a stream that failed, and one that keeps closing at once counts as failing', async () => {
    const { transport, lines, start, random } = setup()
    transport.lists = [{ items: [], resourceVersion: '1' }]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    transport.last.end(Object.assign(new Error('Internal Server Error'), { statusCode: 500 }))
    await vi.waitFor(() => expect(transport.streams).toHaveLength(2))
    expect(lines.some((l) => l.includes('watch failed') && l.includes('Internal Server Error'))).toBe(true)
    for (let i = 0; i < 3; i++) {
      transport.last.end(null)
      await vi.waitFor(() => expect(transport.streams).toHaveLength(3 + i))
    }
    expect(random).toHaveBeenCalledTimes(4)
    stop()
  })

  it('survives a handler that throws, and skips objects that do not parse', async () => {
    const { transport, lines, watch } = setup()
    transport.lists = [{ items: [], resourceVersion: '1' }]
    const seen: string[] = []
    const stop = watch.watch('SpiderIPPool', (type, pool) => {
      seen.push(`${type} ${pool.metadata.name}`)
      if (pool.metadata.name === 'boom') throw new Error('handler bug')
    })
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    transport.last.send('ADDED', rawPool('boom', '2'))
    transport.last.send('ADDED', { metadata: { name: 'broken', resourceVersion: '3' }, spec: { ipVersion: 5 } })
    transport.last.send('MODIFIED', { ...rawPool('boom', '4'), spec: { subnet: 7 } })
    transport.last.send('DELETED', { metadata: { name: 'boom', resourceVersion: '5' } })
    transport.last.send('ADDED', rawPool('after', '6'))
    expect(seen).toEqual(['ADDED boom', 'DELETED boom', 'ADDED after'])
    expect(lines.some((l) => l.includes('watch handler threw'))).toBe(true)
    expect(lines.filter((l) => l.includes('does not parse'))).toHaveLength(3)
    expect(transport.streams).toHaveLength(1)
    stop()
  })

  it('stop aborts the stream and delivers nothing more', async () => {
    const { transport, events, start } = setup()
    transport.lists = [{ items: [], resourceVersion: '1' }]
    const stop = start()
    await vi.waitFor(() => expect(transport.streams).toHaveLength(1))
    stop()
    expect(transport.last.aborted).toBe(true)
    transport.last.send('ADDED', rawPool('late', '2'))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(events).toEqual([])
    expect(transport.streams).toHaveLength(1)
  })

  it('list parses what it can and skips the rest', async () => {
    const { transport, watch, lines } = setup()
    transport.lists = [{ items: [rawPool('a', '1'), { metadata: { name: 'bad' }, spec: {} }], resourceVersion: '2' }]
    expect((await watch.list('SpiderIPPool')).map((p) => p.metadata.name)).toEqual(['a'])
    expect(lines.some((l) => l.includes('"name":"bad"'))).toBe(true)
  })

  it('list reports an unreachable API server as try-again', async () => {
    const { transport, watch } = setup()
    transport.lists = [new Error('ECONNREFUSED')]
    await expect(watch.list('SpiderSubnet')).rejects.toMatchObject({ code: 'try-again', message: 'list SpiderSubnet: ECONNREFUSED' })
  })
})

describe('KubeWatch.notSynced', () => {
  it('names a watch until its first list succeeds, and forgets a stopped one', async () => {
    const { transport, watch, start } = setup()
    transport.lists = [new Error('the server could not find the requested resource')]
    expect(watch.notSynced()).toEqual([])
    const stop = start()
    expect(watch.notSynced()).toEqual([{ kind: 'SpiderIPPool' }])
    await vi.waitFor(() => expect(watch.notSynced()).toEqual([{ kind: 'SpiderIPPool', error: 'the server could not find the requested resource' }]))
    transport.lists = [{ items: [], resourceVersion: '5' }]
    await vi.waitFor(() => expect(transport.streams.length).toBe(1))
    expect(watch.notSynced()).toEqual([])
    stop()
    const stopPods = watch.watch('Pod', () => {})
    expect(watch.notSynced()).toEqual([{ kind: 'Pod' }])
    stopPods()
    expect(watch.notSynced()).toEqual([])
  })
})
