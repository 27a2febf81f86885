import { Buffer } from 'node:buffer'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../shared/error-format.ts'
import { TransportError, type Connect, type TransportResponse } from './transport.ts'

/**
 * HTTP over the service's unix socket with node:http, for Node and Deno (tests, `tsx cni/main.ts`):
 * their fetch cannot reach a unix socket. The compiled plugin runs on Bun and uses
 * fetch-unix-transport.ts, so node:http is imported on the first request, not with this file: Bun
 * pays ~9 ms of CPU just to load it. One connection per call (`agent: false`): a plugin process
 * makes one call and exits, and a pooled socket would only keep it alive. The deadline covers the
 * whole exchange (connect, send, headers, body), not just idle time.
 */
export const unixSocketTransport: Connect = (socketPath) => ({
  request: async ({ method, path, body, timeoutMs }) => {
    const { request } = await import('node:http')
    return new Promise<TransportResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      let timedOut = false
      const req = request({
        socketPath,
        method,
        path,
        agent: false,
        headers: {
          accept: 'application/json',
          [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS,
          connection: 'close',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      })
      const timer = setTimeout(() => {
        timedOut = true
        req.destroy()
      }, timeoutMs)
      // Settling twice is harmless (a promise keeps the first outcome); the timer must always go.
      const fail = (e: Error): void => {
        clearTimeout(timer)
        reject(timedOut ? new TransportError('timeout', `no complete answer within ${timeoutMs} ms`) : new TransportError('unreachable', e.message))
      }
      req.on('error', fail)
      req.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', fail)
        res.on('close', () => {
          if (!res.complete) fail(new Error('connection closed before the answer was complete'))
        })
        res.on('end', () => {
          clearTimeout(timer)
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        })
      })
      req.end(payload)
    })
  },
})
