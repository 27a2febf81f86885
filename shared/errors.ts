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
  /** Optimistic concurrency lost too often, or the API server is unreachable: try again later. */
  | 'try-again'

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
