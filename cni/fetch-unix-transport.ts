import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../shared/error-format.ts'
import { TransportError, type Connect } from './transport.ts'

/** Bun's fetch takes the socket to connect to as `unix`; no other runtime knows this option. */
interface UnixRequestInit extends RequestInit {
  readonly unix: string
}

const reason = (e: unknown, socketPath: string): string => {
  const code = (e as { code?: unknown } | undefined)?.code
  // Bun's messages ("ENOENT: Was there a typo in the url or port?") speak of URLs we never typed.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `${code} ${socketPath}`
  return e instanceof Error ? e.message : String(e)
}

/**
 * HTTP over the service's unix socket with Bun's own fetch, for the compiled plugin only (main.ts
 * picks it when running on Bun; Node and Deno use unix-socket-transport.ts). Bun implements
 * node:http in JavaScript on top of node streams: one request costs ~16 ms of CPU, half of it just
 * loading the module, where fetch costs ~2 ms. The deadline covers the whole exchange, body included.
 */
export const fetchUnixTransport: Connect = (socketPath) => ({
  request: async ({ method, path, body, timeoutMs }) => {
    const signal = AbortSignal.timeout(timeoutMs)
    const init: UnixRequestInit = {
      method,
      unix: socketPath,
      signal,
      headers: {
        accept: 'application/json',
        [ERROR_FORMAT_HEADER]: STRUCTURED_ERRORS,
        connection: 'close',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }
    try {
      const res = await fetch(`http://localhost${path}`, init)
      return { status: res.status, body: await res.text() }
    } catch (e) {
      if (signal.aborted) throw new TransportError('timeout', `no complete answer within ${timeoutMs} ms`)
      throw new TransportError('unreachable', reason(e, socketPath))
    }
  },
})
