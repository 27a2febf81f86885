/**
 * The one error vocabulary of Spinneret. Every refusal the domain can make is an IpamError with
 * a code; the HTTP layer maps codes to statuses and the CNI client maps them to CNI error codes,
 * each in exactly one place.
 */
export type IpamErrorCode =
  /** A request body, CNI stdin or environment that does not parse. Nothing was written. */
  | 'invalid-request'
  /** A malformed pod or namespace annotation. */
  | 'invalid-annotation'
  /** A pool, subnet or reserved-IP object that breaks the API contract. */
  | 'invalid-resource'
  /** No pool survives selection and filtering. */
  | 'no-pool'
  /** Every candidate pool is full. */
  | 'ip-used-out'
  /** The pod (or its node or namespace) the request names does not exist. */
  | 'not-found'
  /** The pod is terminating or finished: it gets no IP. */
  | 'pod-dead'
  /** Optimistic concurrency lost too often, the API server unreachable, the service not ready: try again later. */
  | 'try-again'
  /** The API server refused the service a request (403): the message names the RBAC rule it lacks. */
  | 'forbidden'
  /** A bug, or a refusal of the API server that only a change of the service can cure: no retry helps. */
  | 'internal'

export class IpamError extends Error {
  override readonly name = 'IpamError'
  constructor(
    readonly code: IpamErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message)
  }
}

export const isIpamError = (e: unknown): e is IpamError => e instanceof IpamError
