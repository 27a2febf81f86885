import type { KubeConfig } from '@kubernetes/client-node'
import { createSecureContext } from 'node:tls'
import { Agent, request as send, type Dispatcher } from 'undici'
import { toKubeJson } from '../api/index.ts'

/** The API server answered with an error status; `message` is its Status message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError'
  constructor(
    readonly code: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}

export interface KubeRequest {
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  contentType?: string
}

/** The TLS material of a kubeconfig's cluster and user. */
interface TlsMaterial {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  rejectUnauthorized?: boolean
  servername?: string
}

// Bearer tokens from files (the in-cluster service account) rotate; client-node re-reads them
// when asked, so the headers are asked for again now and then, not per request.
const CREDENTIALS_TTL_MS = 30_000
const REQUEST_TIMEOUT_MS = 30_000
const RETRY_AFTER_TRIES = 5
const RETRY_AFTER_CAP_MS = 2000

/**
 * JSON over HTTPS to the API server: the transport under kube-store.ts and kube-watch.ts.
 * client-node's KubeConfig still loads the configuration (kubeconfig files, in-cluster, exec
 * plugins); its generated API classes are not used: measured, their (de)serialisers and a fresh
 * undici Agent per request cost more CPU in the service than the IPAM decisions themselves.
 *
 * One keep-alive Agent serves every request, with one TLS context built once (undici would
 * otherwise parse the CA bundle again for every new connection).
 */
export class KubeHttp {
  readonly server: string
  private headers: Record<string, string> | undefined
  private headersAt = 0
  private agent: Agent | undefined

  constructor(private readonly kubeConfig: KubeConfig) {
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)'
  }

  /** @throws KubeApiError for an error status (after honouring 429 Retry-After a few times) */
  async json<T = unknown>(method: string, path: string, request: KubeRequest = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const response = await this.send(method, path, request, AbortSignal.timeout(REQUEST_TIMEOUT_MS))
      const text = await response.body.text()
      if (isSuccess(response)) return JSON.parse(text) as T
      const error = new KubeApiError(response.statusCode, statusMessage(text), retryAfter(response.headers['retry-after']))
      // A 429 means the server did not process the request and asks for it again shortly: it
      // answers so while a CRD's storage initialises, or under priority-and-fairness throttling.
      // client-go retries these itself; so do we, a bounded number of times.
      if (error.code !== 429 || attempt >= RETRY_AFTER_TRIES) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_AFTER_CAP_MS, (error.retryAfterSeconds ?? 1) * 1000)))
    }
  }

  /**
   * A watch: calls `onEvent` for each line of the stream until the server ends it or `signal`
   * aborts. @throws KubeApiError when the server refuses to open it
   */
  async watch(path: string, query: KubeRequest['query'], onEvent: (type: string, object: unknown) => void, signal: AbortSignal): Promise<void> {
    const response = await this.send('GET', path, { query: { ...query, watch: true } }, signal)
    if (!isSuccess(response)) throw new KubeApiError(response.statusCode, statusMessage(await response.body.text()))
    const decoder = new TextDecoder()
    let pending = ''
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true })
      let newline: number
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim()
        pending = pending.slice(newline + 1)
        if (line === '') continue
        const event = JSON.parse(line) as { type?: string; object?: unknown }
        onEvent(String(event.type), event.object)
      }
    }
  }

  // undici's request(), not its fetch(), which wraps every body in WHATWG streams: 0.21 against
  // 0.37 ms of client CPU per GET alone, and half the service's CPU per allocation in npm run bench.
  private async send(method: string, path: string, request: KubeRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers = await this.authHeaders()
    // A server URL may carry a path prefix (an API proxy); paths are appended to it.
    const url = new URL(this.server.replace(/\/+$/, '') + path)
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value))
    }
    return send(url, {
      method: method as Dispatcher.HttpMethod,
      headers: {
        ...headers,
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': request.contentType ?? 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: toKubeJson(request.body) }),
      signal,
      dispatcher: this.agent,
      // undici closes the connection after a DELETE with a body (the DeleteOptions that carry
      // preconditions), since some servers mishandle one; the API server reads it like any
      // other, so the connection is kept, sparing every release a new TLS handshake.
      ...(method === 'DELETE' && request.body !== undefined ? { reset: false } : {}),
    })
  }

  /** The auth headers (asked for again after CREDENTIALS_TTL_MS); builds the agent on first use. */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.headers && Date.now() - this.headersAt < CREDENTIALS_TTL_MS) return this.headers
    const options: Record<string, unknown> & { headers?: Record<string, string> } = {}
    await this.kubeConfig.applyToHTTPSOptions(options)
    const headers = { ...(options.headers ?? {}) }
    if (typeof options.auth === 'string') headers.Authorization = `Basic ${btoa(options.auth)}`
    // The TLS material only changes with the kubeconfig itself; the agent stays.
    this.agent ??= new Agent({ connect: connectOptions(tlsOf(options)), keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 })
    this.headers = headers
    this.headersAt = Date.now()
    return headers
  }
}

const tlsOf = (options: Record<string, unknown>): TlsMaterial => ({
  ...(options.ca ? { ca: options.ca as Buffer } : {}),
  ...(options.cert ? { cert: options.cert as Buffer } : {}),
  ...(options.key ? { key: options.key as Buffer } : {}),
  ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  ...(typeof options.servername === 'string' ? { servername: options.servername } : {}),
})

function connectOptions(tls: TlsMaterial) {
  const { ca, cert, key, ...rest } = tls
  // Deno's node:tls has no secure contexts to share; it gets the raw material.
  if ('Deno' in globalThis) return tls
  return { ...rest, secureContext: createSecureContext({ ca, cert, key }) }
}

const isSuccess = (response: Dispatcher.ResponseData) => response.statusCode >= 200 && response.statusCode < 300

const retryAfter = (header: string | string[] | undefined): number | undefined => {
  if (typeof header !== 'string') return undefined
  const seconds = Number(header)
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
}

// The API server answers errors with a Status object whose message says what is wrong.
const statusMessage = (body: string): string => {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message
    return typeof message === 'string' ? message : body
  } catch {
    return body
  }
}
