import { Hono } from 'hono'
import { IpamError } from '../../shared/errors.ts'
import { silentLogger, type Logger } from '../../shared/log.ts'
import type { Store } from '../../shared/store/store.ts'
import { onIpamError } from '../lib/http-errors.ts'
import { parseInput } from '../lib/parse-body.ts'
import { admissionResponse, AdmissionReviewSchema } from './admission-review.ts'
import { decide, HANDLERS } from './handlers.ts'

export interface AdmissionDeps {
  store: Store
  log?: Logger
  /** The user the service runs as (see JudgeContext). */
  self?: () => Promise<string | undefined>
}

/**
 * The validating and mutating admission webhooks of SpiderIPPool, SpiderSubnet and
 * SpiderReservedIP: AdmissionReview v1 in, AdmissionReview v1 out; the decisions are
 * shared/admission's. A body that is no AdmissionReview is answered 400 naming what is wrong.
 *
 * @example createAdmissionApp({ store }).request('/validate/spiderippool', { method: 'POST', body: JSON.stringify(review) })
 */
export function createAdmissionApp(deps: AdmissionDeps) {
  const log = (deps.log ?? silentLogger).child({ function: 'admission' })
  const app = new Hono()
  app.onError(onIpamError)
  for (const action of ['validate', 'mutate'] as const) {
    app.post(`/${action}/:kind`, async (c) => {
      const handlers = HANDLERS[c.req.param('kind')]
      if (!handlers) {
        throw new IpamError('not-found', `no webhook at ${c.req.path}: the kinds are ${Object.keys(HANDLERS).join(', ')}`)
      }
      let body: unknown
      try {
        body = await c.req.json()
      } catch {
        throw new IpamError('invalid-request', 'request body is not valid JSON (an AdmissionReview was expected)')
      }
      const { request } = parseInput(AdmissionReviewSchema, body, 'AdmissionReview')
      const verdict = await decide(handlers, action, request, { store: deps.store, ...(deps.self ? { self: deps.self } : {}) })
      if (!verdict.allowed) {
        log.info('admission refused', {
          webhook: action,
          operation: request.operation,
          kind: request.kind.kind,
          name: request.name,
          reason: verdict.status.message,
        })
      }
      return c.json(admissionResponse(request, verdict))
    })
  }
  return app
}
