import { describe, expect, it } from 'vitest'
import type { EventRecord, EventStore } from '../../shared/store/store.ts'
import { createEventRecorder } from './event-recorder.ts'

class Events implements EventStore {
  created: EventRecord[] = []
  updates: Array<{ name: string; count: number }> = []
  fail = false
  async createEvent(event: EventRecord) {
    if (this.fail) throw new Error('forbidden: create events')
    this.created.push(event)
  }
  async updateEventCount(_namespace: string, name: string, count: number) {
    this.updates.push({ name, count })
  }
}

const pod = { apiVersion: 'v1', kind: 'Pod', namespace: 'app', name: 'web-1', uid: 'u1' }
const failed = { type: 'Warning' as const, reason: 'IPAllocationFailed', message: 'no IPPool available' }

describe('event recorder', () => {
  it('writes an event on the object, and bumps its count for a repeat instead of adding one', async () => {
    const store = new Events()
    const outcomes: string[] = []
    let t = Date.parse('2026-11-25T12:00:00Z')
    const recorder = createEventRecorder({ store, host: 'node-1', now: () => new Date(t), onRecorded: (_r, o) => outcomes.push(o) })
    recorder.record(pod, failed)
    t += 1000
    recorder.record(pod, failed)
    recorder.record(pod, { ...failed, message: 'all IP addresses used out' })
    await recorder.flushed()
    expect(store.created).toHaveLength(2)
    expect(store.created[0]).toMatchObject({
      namespace: 'app',
      involvedObject: { kind: 'Pod', namespace: 'app', name: 'web-1', uid: 'u1' },
      type: 'Warning',
      reason: 'IPAllocationFailed',
      message: 'no IPPool available',
      count: 1,
      source: { component: 'spinneret', host: 'node-1' },
    })
    expect(store.created[0]?.name).toMatch(/^web-1\.[0-9a-f]+$/)
    expect(store.updates).toEqual([{ name: store.created[0]?.name, count: 2 }])
    expect(outcomes).toEqual(['written', 'written', 'written'])
  })

  it('puts the events of a cluster-scoped object in default, and cuts a long message', async () => {
    const store = new Events()
    const recorder = createEventRecorder({ store })
    recorder.record(
      { apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderIPPool', name: 'p1' },
      { type: 'Normal', reason: 'LeakedIPsReleased', message: 'x'.repeat(5000) },
    )
    await recorder.flushed()
    expect(store.created[0]?.namespace).toBe('default')
    expect(store.created[0]?.message).toHaveLength(1024)
  })

  it('drops what goes over the rate, and never throws when the API server refuses', async () => {
    const store = new Events()
    const outcomes: string[] = []
    const t = Date.parse('2026-11-25T12:00:00Z')
    const recorder = createEventRecorder({ store, burst: 3, ratePerSecond: 1, now: () => new Date(t), onRecorded: (_r, o) => outcomes.push(o) })
    for (let i = 0; i < 5; i++) recorder.record({ ...pod, name: `p${i}` }, failed)
    await recorder.flushed()
    expect(store.created.map((e) => e.involvedObject.name)).toEqual(['p0', 'p1', 'p2'])
    expect(outcomes.sort()).toEqual(['dropped', 'dropped', 'written', 'written', 'written'])
    store.fail = true
    const refused = createEventRecorder({ store })
    expect(() => refused.record(pod, failed)).not.toThrow()
    await refused.flushed()
  })
})
