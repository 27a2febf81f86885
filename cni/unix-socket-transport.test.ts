import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatch } from './dispatch.ts'
import { confFor, envFor } from './fake-service.testkit.ts'
import { TransportError } from './transport.ts'
import { unixSocketTransport } from './unix-socket-transport.ts'

interface Seen {
  method: string
  url: string
  contentType: string | undefined
  body: string
}

// Our own tiny server on a unix socket in a temp dir: it checks the wire format, not Kubernetes.
const listen = (handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'spinneret-cni-'))
  const socketPath = join(dir, 'ipam.sock')
  const seen: Seen[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], body })
      handler(req, body, res)
    })
  })
  const ready = new Promise<void>((resolve) => server.listen(socketPath, resolve))
  const close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
  return { socketPath, seen, ready, close, dir }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

describe('unixSocketTransport against a node:http server on a unix socket', () => {
  const service = listen((req, body, res) => {
    if (req.url === '/hang') return // never answers
    if (req.url === '/half') {
      res.writeHead(200, { 'content-length': '100' })
      res.write('{"partial":')
      return // never finishes the body
    }
    if (req.method === 'POST' && req.url === '/v1/ipam/ip') {
      const ask = JSON.parse(body)
      return json(res, 200, {
        ips: [{ version: 4, address: '10.6.168.65/16', nic: ask.ifName, ipPool: 'v4', gateway: '10.6.0.1' }],
        routes: [{ ifName: ask.ifName, dst: '0.0.0.0/0', gw: '10.6.0.1' }],
      })
    }
    if (req.method === 'DELETE') return json(res, 404, { code: 'not-found', message: 'no such pod' })
    json(res, 418, { code: 'invalid-request', message: `unexpected ${req.method} ${req.url}` })
  })

  beforeAll(() => service.ready)
  afterAll(() => service.close())

  it('sends a JSON body with POST and DELETE, and reads status and body back', async () => {
    const transport = unixSocketTransport(service.socketPath)
    const posted = await transport.request({ method: 'POST', path: '/v1/ipam/ip', body: { ifName: 'eth0' }, timeoutMs: 2000 })
    expect(posted.status).toBe(200)
    expect(JSON.parse(posted.body).ips[0].nic).toBe('eth0')
    const deleted = await transport.request({ method: 'DELETE', path: '/v1/ipam/ip', body: { a: 'é' }, timeoutMs: 2000 })
    expect(deleted).toEqual({ status: 404, body: '{"code":"not-found","message":"no such pod"}' })
    expect(service.seen.slice(-2)).toEqual([
      { method: 'POST', url: '/v1/ipam/ip', contentType: 'application/json', body: '{"ifName":"eth0"}' },
      { method: 'DELETE', url: '/v1/ipam/ip', contentType: 'application/json', body: '{"a":"é"}' },
    ])
  })

  it('sends a GET with its query and no body', async () => {
    const res = await unixSocketTransport(service.socketPath).request({ method: 'GET', path: '/v1/x?a=b', timeoutMs: 2000 })
    expect(res.status).toBe(418)
    expect(service.seen.at(-1)).toEqual({ method: 'GET', url: '/v1/x?a=b', contentType: undefined, body: '' })
  })

  it('fails as unreachable when no one listens on the socket', async () => {
    const request = unixSocketTransport(join(service.dir, 'absent.sock')).request({ method: 'GET', path: '/', timeoutMs: 2000 })
    await expect(request).rejects.toMatchObject({ name: 'TransportError', kind: 'unreachable' })
    await expect(request).rejects.toThrow(/ENOENT/)
  })

  it.each(['/hang', '/half'])('fails as a timeout when %s does not finish in time', async (path) => {
    const started = Date.now()
    const request = unixSocketTransport(service.socketPath).request({ method: 'GET', path, timeoutMs: 200 })
    await expect(request).rejects.toBeInstanceOf(TransportError)
    await expect(request).rejects.toMatchObject({ kind: 'timeout' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('carries a whole ADD and DEL through dispatch', async () => {
    const deps = { connect: unixSocketTransport }
    const conf = confFor('0.4.0', { ipam_unix_socket_path: service.socketPath })
    const added = await dispatch({ env: envFor('ADD', { CNI_IFNAME: 'net1' }), stdin: conf }, deps)
    expect(JSON.parse(added.stdout)).toEqual({
      cniVersion: '0.4.0',
      ips: [{ version: '4', address: '10.6.168.65/16', gateway: '10.6.0.1' }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.6.0.1' }],
      dns: {},
    })
    const deleted = await dispatch({ env: envFor('DEL'), stdin: conf }, deps)
    expect(deleted).toMatchObject({ exitCode: 0, stdout: '' })
  })

  it('gives 11 naming the socket through dispatch when the socket is missing', async () => {
    const socketPath = join(service.dir, 'gone.sock')
    const out = await dispatch({ env: envFor('ADD'), stdin: confFor('1.0.0', { ipam_unix_socket_path: socketPath }) }, { connect: unixSocketTransport })
    expect(JSON.parse(out.stdout)).toMatchObject({ code: 11, msg: `IPAM service unreachable at ${socketPath}` })
  })
})
