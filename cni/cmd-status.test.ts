import { describe, expect, it } from 'vitest'
import { answer, confFor, errorOf, run } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'

const status = (handler: Parameters<typeof run>[2], ipam: Record<string, unknown> = {}) => run({ CNI_COMMAND: 'STATUS' }, confFor('1.1.0', ipam), handler)

describe('STATUS', () => {
  it('succeeds silently when the service is healthy', async () => {
    const out = await status(() => answer(200, ''))
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(out.calls).toEqual([{ socketPath: '/var/run/spidernet/spiderpool.sock', method: 'GET', path: '/v1/ipam/healthy', timeoutMs: 5_000 }])
  })

  it.each([
    ['unreachable', () => Promise.reject(new TransportError('unreachable', 'connect ENOENT /run/x.sock'))],
    ['too slow', () => Promise.reject(new TransportError('timeout', 'late'))],
    ['not ready (503)', () => answer(503, { code: 'try-again', message: 'informers not synced' })],
    ['broken (500)', () => answer(500, 'panic')],
  ])('is 50 "plugin not available" when the service is %s', async (_, handler) => {
    const out = await status(handler, { ipam_unix_socket_path: '/run/x.sock' })
    expect(out.exitCode).toBe(1)
    expect(errorOf(out)).toMatchObject({
      cniVersion: '1.1.0',
      code: 50,
      msg: 'plugin not available: IPAM service at /run/x.sock is not healthy',
    })
    expect(errorOf(out).details).toBeTruthy()
  })
})
