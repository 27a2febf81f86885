import { describe, expect, it } from 'vitest'
import { answer, confFor, envFor, errorOf, refusal, run } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'

const allocation = {
  ips: [
    { version: 4, address: '10.6.168.65/16', nic: 'eth0', ipPool: 'v4', gateway: '10.6.0.1' },
    { version: 6, address: 'fd00:10:6::41/64', nic: 'eth0', ipPool: 'v6', gateway: 'fd00:10:6::1' },
    { version: 4, address: '172.16.0.9/24', nic: 'net1', ipPool: 'n1' },
  ],
  routes: [],
}

const prevResult = (ips: unknown[], extra: Record<string, unknown> = {}) => ({ cniVersion: '1.0.0', ips, ...extra })

const check = (prev: unknown, handler: Parameters<typeof run>[2], version = '1.0.0', env = {}) =>
  run(envFor('CHECK', env), confFor(version, {}, prev === undefined ? {} : { prevResult: prev }), handler)

describe('CHECK', () => {
  it('looks the allocation up read-only and succeeds when it matches prevResult', async () => {
    const prev = prevResult([
      { address: '10.6.168.65/16', gateway: '10.6.0.1' },
      // The same address spelled differently still matches.
      { address: 'fd00:10:6:0:0:0:0:41/64' },
    ])
    const out = await check(prev, () => answer(200, allocation))
    expect(out).toMatchObject({ exitCode: 0, stdout: '' })
    expect(out.calls).toEqual([
      {
        socketPath: '/var/run/spidernet/spiderpool.sock',
        method: 'GET',
        path: '/v1/ipam/ip?podNamespace=team-a&podName=web-0&podUID=uid-1&ifName=eth0',
        timeoutMs: 10_000,
      },
    ])
  })

  it('reads a 0.4.0 prevResult of a main plugin, ignoring addresses of its other interfaces', async () => {
    const prev = {
      cniVersion: '0.4.0',
      interfaces: [{ name: 'cni0' }, { name: 'veth1234' }, { name: 'eth0', sandbox: '/var/run/netns/cni-1' }],
      ips: [
        { version: '4', interface: 2, address: '10.6.168.65/16', gateway: '10.6.0.1' },
        { version: '6', interface: 2, address: 'fd00:10:6::41/64' },
        { version: '4', interface: 0, address: '10.6.0.1/16' },
      ],
    }
    const out = await check(prev, () => answer(200, allocation), '0.4.0')
    expect(out.exitCode).toBe(0)
  })

  it('is 105 when the service has no allocation for the pod', async () => {
    const out = await check(prevResult([{ address: '10.6.168.65/16' }]), () => refusal(404, 'not-found', 'no allocation'))
    expect(errorOf(out)).toMatchObject({
      code: 105,
      msg: 'allocation not found: pod team-a/web-0 has no address on eth0',
    })
  })

  it('is 105 when the pod has addresses, but none on this interface', async () => {
    const out = await check(prevResult([{ address: '10.9.0.3/24' }]), () => answer(200, allocation), '1.0.0', {
      CNI_IFNAME: 'net9',
    })
    expect(errorOf(out).code).toBe(105)
  })

  it.each([
    ['another address', [{ address: '10.6.168.66/16' }, { address: 'fd00:10:6::41/64' }]],
    ['one address less', [{ address: '10.6.168.65/16' }]],
    ['one address more', [{ address: '10.6.168.65/16' }, { address: 'fd00:10:6::41/64' }, { address: '10.6.168.70/16' }]],
    ['another prefix', [{ address: '10.6.168.65/24' }, { address: 'fd00:10:6::41/64' }]],
  ])('is 106 when prevResult has %s', async (_, ips) => {
    const out = await check(prevResult(ips), () => answer(200, allocation))
    expect(errorOf(out).code).toBe(106)
    expect(errorOf(out).details).toBe(
      `prevResult [${ips
        .map((ip) => ip.address)
        .sort()
        .join(', ')}], IPAM service [10.6.168.65/16, fd00:10:6::41/64]`,
    )
  })

  it('needs prevResult (7)', async () => {
    const out = await check(undefined, () => answer(200, allocation))
    expect(errorOf(out)).toMatchObject({ code: 7, msg: 'invalid network config: prevResult: required for CHECK' })
    expect(out.calls).toHaveLength(0)
  })

  it('names a malformed prevResult key (7)', async () => {
    const out = await check(prevResult([{ address: 42 }]), () => answer(200, allocation))
    expect(errorOf(out)).toMatchObject({ code: 7, msg: 'invalid network config: prevResult.ips[0].address: expected an address string' })
  })

  it('is 11 when the service is unreachable', async () => {
    const out = await check(prevResult([{ address: '10.6.168.65/16' }]), () => {
      throw new TransportError('unreachable', 'connect ENOENT')
    })
    expect(errorOf(out).code).toBe(11)
  })
})
