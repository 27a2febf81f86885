import { describe, expect, it } from 'vitest'
import { answer, confFor, envFor, errorOf, refusal, run } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'

const dualStackTwoNics = {
  ips: [
    { version: 4, address: '10.6.168.65/16', nic: 'eth0', ipPool: 'v4-pool', gateway: '10.6.0.1', vlan: 0 },
    { version: 6, address: 'fd00:10:6::41/64', nic: 'eth0', ipPool: 'v6-pool', gateway: 'fd00:10:6::1' },
    { version: 4, address: '172.16.0.9/24', nic: 'net1', ipPool: 'net1-v4', gateway: '172.16.0.1' },
  ],
  routes: [
    { ifName: 'eth0', dst: '0.0.0.0/0', gw: '10.6.0.1' },
    { ifName: 'eth0', dst: '::/0', gw: 'fd00:10:6::1' },
    { ifName: 'eth0', dst: '192.168.0.0/16', gw: '10.6.0.254' },
    { ifName: 'net1', dst: '172.17.0.0/16', gw: '172.16.0.1' },
  ],
  dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'], options: ['ndots:5'] },
}

const add = (handler: Parameters<typeof run>[2], version = '1.0.0', ipam: Record<string, unknown> = {}, env = {}) =>
  run(envFor('ADD', env), confFor(version, ipam), handler)

describe('ADD: the request', () => {
  it('POSTs the pod, container and config to /v1/ipam/ip on the configured socket', async () => {
    const out = await add(() => answer(200, dualStackTwoNics), '1.0.0', {
      default_ipv4_ippool: ['v4-pool'],
      default_ipv6_ippool: ['v6-pool', 'v6-spare'],
      clean_gateway: false,
      ipam_unix_socket_path: '/run/spinneret/ipam.sock',
    })
    expect(out.calls).toEqual([
      {
        socketPath: '/run/spinneret/ipam.sock',
        method: 'POST',
        path: '/v1/ipam/ip',
        timeoutMs: 30_000,
        body: {
          containerID: 'c0ffee',
          ifName: 'eth0',
          netNamespace: '/var/run/netns/cni-1',
          podNamespace: 'team-a',
          podName: 'web-0',
          podUID: 'uid-1',
          defaultIPv4IPPool: ['v4-pool'],
          defaultIPv6IPPool: ['v6-pool', 'v6-spare'],
          cleanGateway: false,
          network: 'macvlan-underlay',
        },
      },
    ])
  })

  it('leaves out the pools and clean_gateway the config does not set, and uses the default socket', async () => {
    const out = await add(() => answer(200, dualStackTwoNics))
    expect(out.calls[0]?.socketPath).toBe('/var/run/spidernet/spiderpool.sock')
    // What goes on the wire: the JSON text of the body.
    expect(Object.keys(JSON.parse(JSON.stringify(out.calls[0]?.body)) as object).sort()).toEqual(
      ['containerID', 'ifName', 'netNamespace', 'network', 'podName', 'podNamespace', 'podUID'].sort(),
    )
  })

  it('makes one call: no health check before the POST', async () => {
    const out = await add(() => answer(200, dualStackTwoNics))
    expect(out.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v1/ipam/ip'])
  })

  it('bounds the call by timeout_seconds when set', async () => {
    const out = await add(() => answer(200, dualStackTwoNics), '1.0.0', { timeout_seconds: 2.5 })
    expect(out.calls[0]?.timeoutMs).toBe(2500)
  })
})

describe('ADD: the result', () => {
  it('keeps the addresses, routes and gateway of its own interface (dual stack, 1.x shape)', async () => {
    const out = await add(() => answer(200, dualStackTwoNics), '1.1.0')
    expect(out.exitCode).toBe(0)
    expect(out.stdout.endsWith('\n')).toBe(true)
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: '1.1.0',
      ips: [
        { address: '10.6.168.65/16', gateway: '10.6.0.1' },
        { address: 'fd00:10:6::41/64', gateway: 'fd00:10:6::1' },
      ],
      routes: [
        { dst: '0.0.0.0/0', gw: '10.6.0.1' },
        { dst: '::/0', gw: 'fd00:10:6::1' },
        { dst: '192.168.0.0/16', gw: '10.6.0.254' },
      ],
      dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'], options: ['ndots:5'] },
    })
  })

  it('answers for the second NIC only what belongs to it', async () => {
    const out = await add(() => answer(200, dualStackTwoNics), '1.0.0', {}, { CNI_IFNAME: 'net1' })
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: '1.0.0',
      ips: [{ address: '172.16.0.9/24', gateway: '172.16.0.1' }],
      routes: [{ dst: '172.17.0.0/16', gw: '172.16.0.1' }],
      dns: { nameservers: ['10.96.0.10'], domain: 'cluster.local', search: ['svc.cluster.local'], options: ['ndots:5'] },
    })
  })

  it.each([
    ['0.3.0', true],
    ['0.3.1', true],
    ['0.4.0', true],
    ['1.0.0', false],
    ['1.1.0', false],
  ])('answers a %s config in its own version (ips carry "version": %s)', async (version, carries) => {
    const out = await add(() => answer(200, dualStackTwoNics), version)
    const result = JSON.parse(out.stdout)
    expect(result.cniVersion).toBe(version)
    expect(result.ips).toEqual([
      { ...(carries ? { version: '4' } : {}), address: '10.6.168.65/16', gateway: '10.6.0.1' },
      { ...(carries ? { version: '6' } : {}), address: 'fd00:10:6::41/64', gateway: 'fd00:10:6::1' },
    ])
    expect(result).not.toHaveProperty('interfaces')
  })

  it('adds no route of its own: without a gateway (clean_gateway) there is no default route', async () => {
    const out = await add(() => answer(200, { ips: [{ version: 4, address: '10.6.168.65/16', nic: 'eth0', ipPool: 'p', gateway: null }], routes: [] }))
    expect(JSON.parse(out.stdout)).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.6.168.65/16' }], dns: {} })
  })

  it('tolerates a Go-style answer with nulls and an empty gateway', async () => {
    const out = await add(() =>
      answer(200, {
        ips: [{ version: 6, address: 'fd00::5/120', nic: 'eth0', ipPool: 'p', gateway: '', vlan: null }],
        routes: null,
        dns: { nameservers: null, domain: '', search: null, options: null },
      }),
    )
    expect(JSON.parse(out.stdout)).toEqual({ cniVersion: '1.0.0', ips: [{ address: 'fd00::5/120' }], dns: {} })
  })

  it('is an error (100) when the service allocated nothing for this interface', async () => {
    const out = await add(() => answer(200, dualStackTwoNics), '1.0.0', {}, { CNI_IFNAME: 'net2' })
    expect(out.exitCode).toBe(1)
    expect(errorOf(out)).toMatchObject({
      code: 100,
      msg: 'IPAM service allocated no address for interface net2',
      details: 'it answered for [eth0, net1]',
    })
  })

  it.each([
    ['not JSON', '<html>ok</html>'],
    ['no ips', { routes: [] }],
    ['a bad version', { ips: [{ version: 5, address: '10.0.0.1/8', nic: 'eth0' }] }],
    ['an address of the wrong family', { ips: [{ version: 6, address: '10.0.0.1/8', nic: 'eth0' }] }],
    ['an address without prefix', { ips: [{ version: 4, address: '10.0.0.1', nic: 'eth0' }] }],
    ['a shorthand address', { ips: [{ version: 4, address: '10.1/8', nic: 'eth0' }] }],
    ['a prefix too long', { ips: [{ version: 4, address: '10.0.0.1/33', nic: 'eth0' }] }],
    ['a gateway of the other family', { ips: [{ version: 4, address: '10.0.0.1/8', nic: 'eth0', gateway: 'fd00::1' }] }],
    ['a bad route', { ips: [{ version: 4, address: '10.0.0.1/8', nic: 'eth0' }], routes: [{ ifName: 'eth0', dst: 'default', gw: '10.0.0.254' }] }],
  ])('is an error (100) when the answer has %s', async (_, body) => {
    const out = await add(() => answer(200, body))
    expect(out.exitCode).toBe(1)
    expect(errorOf(out).code).toBe(100)
  })
})

describe('ADD: service errors', () => {
  it.each([
    ['try-again', 503, 11],
    ['invalid-request', 400, 100],
    ['no-pool', 409, 101],
    ['ip-used-out', 409, 102],
    ['not-found', 404, 103],
    ['pod-dead', 410, 103],
    ['invalid-annotation', 400, 104],
    ['invalid-resource', 400, 104],
    ['forbidden', 403, 107],
    ['internal', 500, 999],
  ])('maps service code %s (HTTP %i) to CNI code %i with its message', async (code, status, cniCode) => {
    const out = await add(() => refusal(status, code, `refused: ${code}`, 'pool v4-pool: 0 of 254 free'))
    const error = errorOf(out)
    expect(out.exitCode).toBe(1)
    expect(error.code).toBe(cniCode)
    expect(error.msg).toContain(`refused: ${code}`)
    expect(error.details).toContain(`code ${code}`)
    expect(error.details).toContain('pool v4-pool: 0 of 254 free')
    expect(error.details).toContain(`HTTP ${status}`)
    if (cniCode === 11) expect(error.msg).toContain('/var/run/spidernet/spiderpool.sock')
  })

  it('lets the code win over the status', async () => {
    const out = await add(() => refusal(500, 'no-pool', 'no IPPool available'))
    expect(errorOf(out)).toMatchObject({ code: 101, msg: 'no IPPool available' })
  })

  it.each([
    [500, 'boom', 11],
    [502, '', 11],
    [503, 'unavailable', 11],
    [429, 'slow down', 11],
    [408, 'request timeout', 11],
    [409, 'conflict', 100],
    [404, '404 Not Found', 103],
    [410, 'gone', 103],
    [400, 'bad', 100],
    [403, 'forbidden', 107],
    [422, '{"code":"something-new","message":"new refusal"}', 100],
  ])('falls back on HTTP %i for a body without a known code', async (status, body, cniCode) => {
    const out = await add(() => ({ status, body }))
    expect(errorOf(out).code).toBe(cniCode)
  })

  // Found by the fuzzer: a message or body of blanks made the CNI error's msg " ".
  it.each([
    [409, '{"code":"no-pool","message":"  "}', 101, '{"code":"no-pool","message":"  "}'],
    [404, ' ', 103, 'IPAM service answered HTTP 404 without a message'],
    [400, '\n\t', 100, 'IPAM service answered HTTP 400 without a message'],
    [400, '  no such pod\n', 100, 'no such pod'],
  ])('never answers a blank message: HTTP %i with %j', async (status, body, cniCode, msg) => {
    const out = await add(() => ({ status, body }))
    expect(errorOf(out)).toMatchObject({ code: cniCode, msg })
  })

  it('is 11 naming the socket when the service is unreachable', async () => {
    const out = await add(() => {
      throw new TransportError('unreachable', 'connect ENOENT /var/run/spidernet/spiderpool.sock')
    })
    expect(errorOf(out)).toEqual({
      cniVersion: '1.0.0',
      code: 11,
      msg: 'IPAM service unreachable at /var/run/spidernet/spiderpool.sock',
      details: 'connect ENOENT /var/run/spidernet/spiderpool.sock',
    })
  })

  it('is 11 naming the socket and the deadline when the service does not answer in time', async () => {
    const out = await add(() => {
      throw new TransportError('timeout', 'no complete answer within 30000 ms')
    })
    expect(errorOf(out)).toMatchObject({
      code: 11,
      msg: 'IPAM service at /var/run/spidernet/spiderpool.sock did not answer POST /v1/ipam/ip within 30 s',
    })
  })

  it('is 11 for any other transport failure too', async () => {
    const out = await add(() => {
      throw new Error('EPIPE')
    })
    expect(errorOf(out)).toMatchObject({ code: 11, details: 'EPIPE' })
  })
})
