/**
 * The seam between the verbs and the IPAM service: one HTTP exchange with an overall deadline.
 * unix-socket-transport.ts is the real one; tests pass a fake.
 */
export interface TransportRequest {
  readonly method: 'GET' | 'POST' | 'DELETE'
  /** Path and query, e.g. `/v1/ipam/ip?podName=a`. */
  readonly path: string
  /** Sent as JSON when present. */
  readonly body?: unknown
  readonly timeoutMs: number
}

export interface TransportResponse {
  readonly status: number
  /** The raw body; the caller parses it with the schema it expects. */
  readonly body: string
}

export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>
}

/** Opens a transport to the service listening at `socketPath` (from the config). */
export type Connect = (socketPath: string) => Transport

/** The service could not be asked or did not answer in time: always worth a retry by the runtime. */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  constructor(
    readonly kind: 'unreachable' | 'timeout',
    message: string,
  ) {
    super(message)
  }
}
