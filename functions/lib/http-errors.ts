import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { ERROR_FORMAT_HEADER, STRUCTURED_ERRORS } from '../../shared/error-format.ts'
import { IpamError, isIpamError, type IpamErrorCode } from '../../shared/errors.ts'

/**
 * The one mapping from the error vocabulary to HTTP. The CNI client reads `code` first and the
 * status only as a fallback, so both must stay stable.
 */
export const STATUS_OF: Record<IpamErrorCode, ContentfulStatusCode> = {
  'invalid-request': 400,
  'invalid-annotation': 400,
  'invalid-resource': 400,
  'not-found': 404,
  'pod-dead': 410,
  'no-pool': 409,
  'ip-used-out': 409,
  'try-again': 503,
  forbidden: 403,
  internal: 500,
}

export interface ErrorBody {
  code: IpamErrorCode
  message: string
  details?: string
}

export const errorBody = (e: IpamError): ErrorBody => ({
  code: e.code,
  message: e.message,
  ...(e.details ? { details: e.details } : {}),
})

/** Spiderpool's agent API (its OpenAPI spec): every refusal is 500 with the message as a JSON string. */
export const spiderpoolErrorText = (e: IpamError): string => (e.details ? `${e.message}: ${e.details.split('\n').join('; ')}` : e.message)

// The routes Spiderpool's agent API defines; GC and CHECK are Spinneret's own and always structured.
const SPIDERPOOL_ROUTES = new Set(['GET /v1/ipam/healthy', 'POST /v1/ipam/ip', 'DELETE /v1/ipam/ip'])

export const wantsStructuredErrors = (c: Context): boolean =>
  c.req.header(ERROR_FORMAT_HEADER) === STRUCTURED_ERRORS || !SPIDERPOOL_ROUTES.has(`${c.req.method} ${c.req.path}`)

/** Anything thrown that is not an IpamError is a bug: answered as an internal error, which no retry cures. */
export const asIpamError = (err: unknown): IpamError =>
  isIpamError(err) ? err : new IpamError('internal', `internal error: ${err instanceof Error ? err.message : String(err)}`)

/**
 * hono onError: IpamErrors keep their code; anything else is a bug, answered as `internal` (the
 * IPAM app's request log writes its stack).
 * On Spiderpool's routes, without the structured-errors header, the answer is the one
 * Spiderpool's agent would give (shared/error-format.ts says why).
 */
export const onIpamError = (err: Error, c: Context) => {
  const e = asIpamError(err)
  if (!wantsStructuredErrors(c)) return c.json(spiderpoolErrorText(e), 500)
  return c.json(errorBody(e), STATUS_OF[e.code])
}
