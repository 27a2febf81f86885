import { describe, expect, it } from 'vitest'
import { createLogger } from '../../shared/log.ts'
import type { EventRecord, EventStore } from '../../shared/store/store.ts'
import { createEventRecorder } from '../lib/event-recorder.ts'
import { addRequest, depsFor, pod, seedStore } from '../lib/memory-fixtures.testkit.ts'
import { createIpamApp } from './create-service.ts'
import { createMetrics } from './metrics.ts'

const setup = (readiness = { ready: true, problems: [] as string[] }) => {
  const store = seedStore()
  const lines: Array<Record<string, unknown>> = []
  const events: EventRecord[] = []
  const eventStore: EventStore = { createEvent: async (e) => void events.push(e), updateEventCount: async () => {} }
  const recorder = createEventRecorder({ store: eventStore })
  const metrics = createMetrics()
  const log = createLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l)) })
  const app = createIpamApp(depsFor(store), { current: () => readiness }, { log, metrics, events: recorder })
  const post = (body: unknown) =>
    app.request('/v1/ipam/ip', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'spinneret-error-format': 'structured' },
    })
  return { store, lines, events, recorder, metrics, post }
}

describe('request log', () => {
  it('logs a success at debug with the pools tried and the addresses, and a failure at info with a pod Event', async () => {
    const { store, lines, events, recorder, post } = setup()
    const ok = pod('web-1', 'controller-node-1')
    store.putPod(ok)
    expect((await post(addRequest(ok))).status).toBe(200)
    const lost = pod('web-2', 'controller-node-1', { annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: ['nowhere'] }) } })
    store.putPod(lost)
    const refused = await post(addRequest(lost))
    expect(refused.status).not.toBe(200)
    await recorder.flushed()
    const [done, failed] = lines.filter((l) => l.function === undefined && l.verb === 'ADD')
    expect(done).toMatchObject({ level: 'debug', msg: 'ADD done', pod: 'default/web-1', nic: 'eth0', outcome: 'ok', status: 200 })
    expect(done?.pools).toEqual([expect.stringMatching(/^test-ippool-6: assigned 10\.6\.168\.\d+$/)])
    expect(done?.ips).toEqual([expect.stringMatching(/^eth0 10\.6\.168\.\d+\/16$/)])
    const message = ((await refused.json()) as { message: string }).message
    expect(failed).toMatchObject({ level: 'info', msg: 'ADD failed', pod: 'default/web-2', error: message })
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ namespace: 'default', involvedObject: { kind: 'Pod', name: 'web-2' }, type: 'Warning', reason: 'IPAllocationFailed' })
    expect(events[0]?.message).toContain(message)
  })

  it('answers a bug as internal (500, not "try again"), logged at error with its stack', async () => {
    const { store, lines, events, recorder, post } = setup()
    const p = pod('web-1', 'controller-node-1')
    store.putPod(p)
    store.getNode = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'labels')")
    }
    const answer = await post(addRequest(p))
    expect(answer.status).toBe(500)
    expect(await answer.json()).toEqual({ code: 'internal', message: "internal error: Cannot read properties of undefined (reading 'labels')" })
    await recorder.flushed()
    const line = lines.find((l) => l.verb === 'ADD')
    expect(line).toMatchObject({ level: 'error', msg: 'ADD failed: internal error', outcome: 'internal' })
    expect(String(line?.stack)).toMatch(/^TypeError: Cannot read properties.*\n\s+at /)
    expect(events.map((e) => e.reason)).toEqual(['IPAllocationFailed'])
  })

  it('gives no pod Event for a refusal of the readiness gate, and counts it', async () => {
    const { store, events, recorder, metrics, post } = setup({ ready: false, problems: ['the API server is unreachable'] })
    const p = pod('web-1', 'controller-node-1')
    store.putPod(p)
    expect((await post(addRequest(p))).status).toBe(503)
    await recorder.flushed()
    expect(events).toEqual([])
    const text = (await metrics.scrape()).text
    expect(text).toMatch(/^spinneret_ipam_requests_total\{verb="ADD",code="try-again"\} 1$/m)
    expect(text).toMatch(/^spiderpool_ipam_allocation_failure_counts_total 1$/m)
  })
})
