import { describe, expect, it } from 'vitest'
import { answer, confFor, errorOf, refusal, run } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'

const gc = (extra: Record<string, unknown>, handler: Parameters<typeof run>[2] = () => answer(200, {}), version = '1.1.0') =>
  run({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, confFor(version, {}, extra), handler)

const attachments = [
  { containerID: 'c0ffee', ifname: 'eth0' },
  { containerID: 'beef', ifname: 'net1' },
]

describe('GC', () => {
  it('posts the still-valid attachments of this network and prints nothing', async () => {
    const out = await gc({ 'cni.dev/valid-attachments': attachments })
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(out.calls).toEqual([
      {
        socketPath: '/var/run/spidernet/spiderpool.sock',
        method: 'POST',
        path: '/v1/ipam/gc',
        timeoutMs: 60_000,
        body: {
          network: 'macvlan-underlay',
          validAttachments: [
            { containerID: 'c0ffee', ifName: 'eth0' },
            { containerID: 'beef', ifName: 'net1' },
          ],
        },
      },
    ])
  })

  it('accepts the draft key cni.dev/attachments', async () => {
    const out = await gc({ 'cni.dev/attachments': attachments })
    expect(out.exitCode).toBe(0)
    expect(out.calls[0]?.body).toMatchObject({ validAttachments: [{ containerID: 'c0ffee' }, { containerID: 'beef' }] })
  })

  it('prefers cni.dev/valid-attachments when both are there', async () => {
    const out = await gc({ 'cni.dev/valid-attachments': [attachments[0]], 'cni.dev/attachments': attachments })
    expect(out.calls[0]?.body).toMatchObject({ validAttachments: [{ containerID: 'c0ffee', ifName: 'eth0' }] })
  })

  it('passes an empty list on: no attachment of this network is in use any more', async () => {
    const out = await gc({ 'cni.dev/valid-attachments': [] })
    expect(out.calls[0]?.body).toEqual({ network: 'macvlan-underlay', validAttachments: [] })
  })

  it('refuses to run without the list rather than release everything (7)', async () => {
    const out = await gc({})
    expect(errorOf(out)).toMatchObject({ code: 7, msg: 'invalid network config: cni.dev/valid-attachments: required for GC' })
    expect(out.calls).toHaveLength(0)
  })

  it.each([
    [{ 'cni.dev/valid-attachments': 'all' }, 'cni.dev/valid-attachments: expected an array of attachments'],
    [{ 'cni.dev/attachments': [{ containerID: 'a' }] }, 'cni.dev/attachments[0].ifname: required'],
    [{ 'cni.dev/valid-attachments': [{ containerID: 1, ifname: 'eth0' }] }, 'cni.dev/valid-attachments[0].containerID: expected'],
  ])('names a malformed attachment list (7)', async (extra, message) => {
    const out = await gc(extra)
    expect(errorOf(out).code).toBe(7)
    expect(errorOf(out).msg).toContain(message)
  })

  it('is 11 when the service is unreachable, and maps refusals', async () => {
    const unreachable = await gc({ 'cni.dev/valid-attachments': [] }, () => {
      throw new TransportError('unreachable', 'connect ENOENT')
    })
    expect(errorOf(unreachable)).toMatchObject({ cniVersion: '1.1.0', code: 11 })
    const refused = await gc({ 'cni.dev/valid-attachments': [] }, () => refusal(400, 'invalid-request', 'network is required'))
    expect(errorOf(refused)).toMatchObject({ code: 100, msg: 'network is required' })
  })
})
