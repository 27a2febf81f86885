import { Buffer } from 'node:buffer'
import { request } from 'node:http'
import { TransportError, type Connect, type TransportResponse } from './transport.ts'

/**
 * HTTP over the service's unix socket with node:http: it runs unchanged on Node, Deno and Bun and
 * starts faster than fetch. One connection per call (`agent: false`): a plugin process makes one
 * call and exits, and a pooled socket would only keep it alive. The deadline covers the whole
 * exchange (connect, send, headers, body), not just idle time.
 */
export const unixSocketTransport: Connect = (socketPath) => ({
  request: ({ method, path, body, timeoutMs }) =>
    new Promise<TransportResponse>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      let timedOut = false
      const req = request({
        socketPath,
        method,
        path,
        agent: false,
        headers: {
          accept: 'application/json',
          connection: 'close',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      })
      const timer = setTimeout(() => {
        timedOut = true
        req.destroy()
      }, timeoutMs)
      // Settling twice is harmless (a promise keeps the first outcome); the timer must always go.
      const fail = (e: Error): void => {
        clearTimeout(timer)
        reject(
          timedOut
            ? new TransportError('timeout', `no complete answer within ${timeoutMs} ms`)
            : new TransportError('unreachable', e.message),
        )
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
    }),
})
