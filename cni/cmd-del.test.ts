import { describe, expect, it } from 'vitest'
import { answer, confFor, envFor, errorOf, refusal, run } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'

const del = (handler: Parameters<typeof run>[2], env = {}, version = '1.0.0') => run(envFor('DEL', env), confFor(version), handler)

describe('DEL', () => {
  it('sends DELETE /v1/ipam/ip with the pod and container, and prints nothing', async () => {
    const out = await del(() => answer(200, {}))
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(out.calls).toEqual([
      {
        socketPath: '/var/run/spidernet/spiderpool.sock',
        method: 'DELETE',
        path: '/v1/ipam/ip',
        timeoutMs: 30_000,
        body: {
          containerID: 'c0ffee',
          ifName: 'eth0',
          netNamespace: '/var/run/netns/cni-1',
          podNamespace: 'team-a',
          podName: 'web-0',
          podUID: 'uid-1',
        },
      },
    ])
  })

  it.each(['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'])('works for a %s config', async (version) => {
    const out = await del(() => answer(204, ''), {}, version)
    expect(out.exitCode).toBe(0)
  })

  it('succeeds when the service knows nothing of the pod or allocation (404 not-found)', async () => {
    const out = await del(() => refusal(404, 'not-found', 'no allocation for pod team-a/web-0'))
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(JSON.parse(out.logLines[0] ?? '')).toMatchObject({ msg: 'nothing to release: unknown to the IPAM service' })
  })

  it('is idempotent: the second DEL of the same container succeeds too', async () => {
    const released = new Set<string>()
    const service = () => {
      if (released.has('c0ffee')) return refusal(404, 'not-found', 'unknown container')
      released.add('c0ffee')
      return answer(200, {})
    }
    expect((await del(service)).exitCode).toBe(0)
    expect((await del(service)).exitCode).toBe(0)
  })

  it('does not take a bare 404 (no such route) for "nothing to release"', async () => {
    const out = await del(() => ({ status: 404, body: '404 Not Found' }))
    expect(errorOf(out).code).toBe(103)
  })

  it('is 11, not a silent success, when the service is unreachable', async () => {
    const out = await del(() => {
      throw new TransportError('unreachable', 'connect ECONNREFUSED /var/run/spidernet/spiderpool.sock')
    })
    expect(errorOf(out)).toMatchObject({ code: 11, msg: 'IPAM service unreachable at /var/run/spidernet/spiderpool.sock' })
  })

  it('is 11 on a timeout or a 5xx', async () => {
    const timedOut = await del(() => {
      throw new TransportError('timeout', 'late')
    })
    expect(errorOf(timedOut).code).toBe(11)
    expect(errorOf(await del(() => refusal(503, 'try-again', 'API server unreachable'))).code).toBe(11)
  })

  it('reports a refusal with its mapped code', async () => {
    const out = await del(() => refusal(400, 'invalid-request', 'podUID is required'))
    expect(errorOf(out)).toMatchObject({ code: 100, msg: 'podUID is required' })
  })

  it('succeeds without asking the service when CNI_ARGS has no pod identity (ADD refused it)', async () => {
    const out = await del(() => answer(500, ''), { CNI_ARGS: undefined })
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(out.calls).toHaveLength(0)
  })
})
