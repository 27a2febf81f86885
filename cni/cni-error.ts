/**
 * CNI error codes (spec "Error codes") and the one error type the verbs throw. dispatch turns a
 * CniError into the error JSON on stdout; anything else escaping a verb is a bug and becomes 999.
 */
export const CniCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidNetworkConfig: 7,
  tryAgainLater: 11,
  pluginNotAvailable: 50,
  /** Plugin specific codes (100+): see service-errors.ts for what the IPAM service's refusals become. */
  ipamRefused: 100,
  noPool: 101,
  ipUsedOut: 102,
  podNotFoundOrDead: 103,
  invalidAnnotationOrResource: 104,
  allocationNotFound: 105,
  allocationMismatch: 106,
  /** The service's ServiceAccount lacks an RBAC rule; the message names it. */
  forbidden: 107,
  internal: 999,
} as const

export type CniCodeValue = (typeof CniCode)[keyof typeof CniCode]

export class CniError extends Error {
  override readonly name = 'CniError'
  constructor(
    readonly code: number,
    message: string,
    readonly details?: string,
  ) {
    super(message)
  }
}

export const isCniError = (e: unknown): e is CniError => e instanceof CniError

/** The error object libcni reads from stdout; `details` is left out when empty, as Go's omitempty does. */
export const cniErrorJson = (cniVersion: string, error: CniError): string =>
  JSON.stringify({
    cniVersion,
    code: error.code,
    msg: error.message,
    ...(error.details ? { details: error.details } : {}),
  })
