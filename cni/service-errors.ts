import type { IpamErrorCode } from '../shared/errors.ts'
import { CniCode } from './cni-error.ts'

/**
 * The one table from the IPAM service's answers to CNI codes. The service answers a refusal as
 * HTTP status + `{"code": IpamErrorCode, "message", "details"?}`; the code decides, the status
 * only counts when the body has no code we know.
 *
 * | service code                          | HTTP (expected) | CNI |
 * | ------------------------------------- | --------------- | --- |
 * | try-again                             | 503             | 11  |
 * | invalid-request                       | 400             | 100 |
 * | no-pool                               | 409             | 101 |
 * | ip-used-out                           | 409             | 102 |
 * | not-found (ADD)                       | 404             | 103 |
 * | pod-dead                              | 410             | 103 |
 * | invalid-annotation, invalid-resource  | 400             | 104 |
 * | not-found (DEL)                       | 404             | success |
 * | not-found (CHECK)                     | 404             | 105 |
 * | forbidden                             | 403             | 107 |
 * | internal                              | 500             | 999 |
 *
 * The expected statuses are those of functions/lib/http-errors.ts (STATUS_OF).
 * Typed against IpamErrorCode, so a code added to shared/errors.ts fails to compile here until
 * it has a CNI code.
 */
export const CNI_CODE_BY_SERVICE_CODE: Readonly<Record<IpamErrorCode, number>> = {
  'try-again': CniCode.tryAgainLater,
  'invalid-request': CniCode.ipamRefused,
  'no-pool': CniCode.noPool,
  'ip-used-out': CniCode.ipUsedOut,
  'not-found': CniCode.podNotFoundOrDead,
  'pod-dead': CniCode.podNotFoundOrDead,
  'invalid-annotation': CniCode.invalidAnnotationOrResource,
  'invalid-resource': CniCode.invalidAnnotationOrResource,
  forbidden: CniCode.forbidden,
  internal: CniCode.internal,
}

export const isServiceCode = (code: string): code is IpamErrorCode => Object.hasOwn(CNI_CODE_BY_SERVICE_CODE, code)

/**
 * For answers without a known code. Overload (429), timeouts (408) and every 5xx are transient:
 * the runtime retries ADD on 11, and the service is idempotent per pod UID + NIC. 409 is not: the
 * service retries its own write conflicts and uses 409 for "no pool" and "used out".
 */
export const cniCodeForStatus = (status: number): number => {
  if (status >= 500 || status === 429 || status === 408) return CniCode.tryAgainLater
  if (status === 404 || status === 410) return CniCode.podNotFoundOrDead
  if (status === 403) return CniCode.forbidden
  return CniCode.ipamRefused
}

export const cniCodeFor = (status: number, serviceCode: string | undefined): number =>
  serviceCode !== undefined && isServiceCode(serviceCode) ? CNI_CODE_BY_SERVICE_CODE[serviceCode] : cniCodeForStatus(status)
