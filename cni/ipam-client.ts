import * as v from 'valibot'
import type { AllocateRequestBody } from '../shared/api/ipam/allocate-request.ts'
import type { CheckQueryInput } from '../shared/api/ipam/check-query.ts'
import type { GcRequestBody } from '../shared/api/ipam/gc-request.ts'
import type { ReleaseRequestBody } from '../shared/api/ipam/release-request.ts'
import { CniCode, CniError } from './cni-error.ts'
import { issueText } from '../shared/api/common/issue-text.ts'
import { IpamAnswerSchema, type IpamAnswer } from '../shared/api/ipam/ipam-answer.ts'
import { cniCodeFor } from './service-errors.ts'
import { ServiceErrorSchema, type ServiceError } from './service-error-schema.ts'
import { TransportError, type Transport, type TransportRequest, type TransportResponse } from './transport.ts'

/**
 * The bodies are the input side of the service's own schemas (shared/api/ipam): one contract, checked
 * on both ends. Type-only imports: the plugin bundles none of the service's request schemas.
 */
export interface IpamClient {
  allocate(req: AllocateRequestBody): Promise<IpamAnswer>
  /** 'unknown' when the service has no such pod or allocation: nothing left to release. */
  release(req: ReleaseRequestBody): Promise<'released' | 'unknown'>
  /** undefined when the pod has no allocation for that NIC. */
  lookup(query: CheckQueryInput): Promise<IpamAnswer | undefined>
  gc(req: GcRequestBody): Promise<void>
  healthy(): Promise<void>
}

const ok = (status: number): boolean => status >= 200 && status < 300

const parseServiceError = (body: string): ServiceError | undefined => {
  try {
    const parsed = v.safeParse(ServiceErrorSchema, JSON.parse(body))
    return parsed.success ? parsed.output : undefined
  } catch {
    return undefined
  }
}

/**
 * Talks to the IPAM service over one transport. Every failure comes out as a CniError: transport
 * failures and transient refusals as 11 naming the socket, refusals as the codes of service-errors.ts.
 */
export const ipamClient = (transport: Transport, socketPath: string, timeoutMs: number): IpamClient => {
  const call = async (req: Omit<TransportRequest, 'timeoutMs'>): Promise<TransportResponse> => {
    try {
      return await transport.request({ ...req, timeoutMs })
    } catch (e) {
      if (e instanceof TransportError && e.kind === 'timeout') {
        const seconds = timeoutMs / 1000
        throw new CniError(CniCode.tryAgainLater, `IPAM service at ${socketPath} did not answer ${req.method} ${req.path} within ${seconds} s`, e.message)
      }
      throw new CniError(CniCode.tryAgainLater, `IPAM service unreachable at ${socketPath}`, e instanceof Error ? e.message : String(e))
    }
  }

  const refusal = (req: Omit<TransportRequest, 'timeoutMs'>, res: TransportResponse): CniError => {
    const error = parseServiceError(res.body)
    const code = cniCodeFor(res.status, error?.code)
    const where = `${req.method} ${req.path} at ${socketPath}: HTTP ${res.status}`
    const details = [where, error ? `code ${error.code}` : undefined, error?.details ?? undefined].filter((part) => part).join('; ')
    // A blank message would reach the user as an empty kubelet event: fall back to what is there.
    const message = error?.message.trim() || res.body.trim().slice(0, 200) || `IPAM service answered HTTP ${res.status} without a message`
    return code === CniCode.tryAgainLater
      ? new CniError(code, `IPAM service at ${socketPath} asks to try again: ${message}`, details)
      : new CniError(code, message, details)
  }

  const answer = (req: Omit<TransportRequest, 'timeoutMs'>, res: TransportResponse): IpamAnswer => {
    let json: unknown
    try {
      json = JSON.parse(res.body)
    } catch {
      json = undefined
    }
    const parsed = v.safeParse(IpamAnswerSchema, json)
    if (!parsed.success) {
      throw new CniError(
        CniCode.ipamRefused,
        `IPAM service at ${socketPath} answered ${req.method} ${req.path} with an unexpected body`,
        issueText(parsed.issues[0]),
      )
    }
    return parsed.output
  }

  const isNotFound = (res: TransportResponse): boolean => parseServiceError(res.body)?.code === 'not-found'

  return {
    async allocate(body) {
      const req = { method: 'POST', path: '/v1/ipam/ip', body } as const
      const res = await call(req)
      if (!ok(res.status)) throw refusal(req, res)
      return answer(req, res)
    },
    async release(body) {
      const req = { method: 'DELETE', path: '/v1/ipam/ip', body } as const
      const res = await call(req)
      if (ok(res.status)) return 'released'
      // Only the service's own "not-found" counts: a bare 404 may be a missing route, and
      // taking that for success would leak the address forever.
      if (isNotFound(res)) return 'unknown'
      throw refusal(req, res)
    },
    async lookup(query) {
      const req = { method: 'GET', path: `/v1/ipam/ip?${new URLSearchParams({ ...query })}` } as const
      const res = await call(req)
      if (ok(res.status)) return answer(req, res)
      if (isNotFound(res)) return undefined
      throw refusal(req, res)
    },
    async gc(body) {
      const req = { method: 'POST', path: '/v1/ipam/gc', body } as const
      const res = await call(req)
      if (!ok(res.status)) throw refusal(req, res)
    },
    async healthy() {
      const req = { method: 'GET', path: '/v1/ipam/healthy' } as const
      const res = await call(req)
      if (!ok(res.status)) throw refusal(req, res)
    },
  }
}
