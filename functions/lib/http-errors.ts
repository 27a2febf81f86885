import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
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

/** hono onError: IpamErrors keep their code; anything else is a bug, answered as try-again. */
export const onIpamError = (err: Error, c: Context) => {
  if (isIpamError(err)) return c.json(errorBody(err), STATUS_OF[err.code])
  const wrapped = new IpamError('try-again', `internal error: ${err.message}`)
  return c.json(errorBody(wrapped), 500)
}
