import {
  allow,
  mutateIPPool,
  mutateReservedIP,
  mutateSubnet,
  validateIPPool,
  validateReservedIP,
  validateSubnet,
  type Verdict,
} from '../../shared/admission/index.ts'
import { isAutoPool } from '../../shared/admission/auto-pool-rules.ts'
import { KIND, parseSpiderIPPool, parseSpiderReservedIP, parseSpiderSubnet } from '../../shared/api/index.ts'
import { isIpamError } from '../../shared/errors.ts'
import type { Store } from '../../shared/store/store.ts'
import type { AdmissionRequest } from './admission-review.ts'

type Judged = 'CREATE' | 'UPDATE'
const judged = (request: AdmissionRequest): request is AdmissionRequest & { operation: Judged } =>
  request.operation === 'CREATE' || request.operation === 'UPDATE'

/** What a judgement may read: the store, and the user the service itself runs as. */
export interface JudgeContext {
  store: Store
  /** The service's own username (undefined when it cannot be told): it alone reshapes auto pools. */
  self?: () => Promise<string | undefined>
}

/** One kind's webhooks: what `validate` and `mutate` answer for an admitted operation. */
interface KindHandlers {
  kind: string
  validate(request: AdmissionRequest & { operation: Judged }, context: JudgeContext): Promise<Verdict>
  mutate(request: AdmissionRequest, store: Store): Promise<Verdict>
}

// Objects reach the validating webhook after the CRD schema admitted them, so one that does not
// parse here is refused with the parser's words. The mutating webhook runs before the schema:
// it leaves what does not parse to the schema's own refusal.
type Reviewed<T> = { object: T; old?: T } | { refused: Verdict }
const reviewed = <T>(parse: (input: unknown) => T, request: AdmissionRequest): Reviewed<T> => {
  try {
    return { object: parse(request.object), ...(request.operation === 'UPDATE' ? { old: parse(request.oldObject) } : {}) }
  } catch (e) {
    if (!isIpamError(e)) throw e
    return { refused: { allowed: false, status: { code: 422, reason: 'Invalid', message: e.message } } }
  }
}
const parsedOr = <T>(parse: (input: unknown) => T, input: unknown): T | undefined => {
  try {
    return parse(input)
  } catch (e) {
    if (isIpamError(e)) return undefined
    throw e
  }
}

const ippool: KindHandlers = {
  kind: KIND.ipPool,
  async validate(request, { store, self }) {
    const pool = reviewed(parseSpiderIPPool, request)
    if ('refused' in pool) return pool.refused
    // 'latest': the narrower the window between this read and the write, the rarer the overlap
    // that only the claim registry catches.
    const [pools, subnets] = await Promise.all([store.listPools('latest'), store.listSubnets()])
    const username = request.userInfo?.username
    const byService = isAutoPool(pool.object) && username !== undefined && username === (await self?.())
    return validateIPPool({ operation: request.operation, pool: pool.object, ...(pool.old ? { oldPool: pool.old } : {}), pools, subnets, byService })
  },
  async mutate(request, store) {
    const pool = parsedOr(parseSpiderIPPool, request.object)
    return pool ? mutateIPPool({ raw: request.object, pool, subnets: await store.listSubnets() }) : allow()
  },
}

const subnet: KindHandlers = {
  kind: KIND.subnet,
  async validate(request, { store }) {
    const object = reviewed(parseSpiderSubnet, request)
    if ('refused' in object) return object.refused
    const [subnets, pools] = await Promise.all([store.listSubnets(), store.listPools('latest')])
    return validateSubnet({ operation: request.operation, subnet: object.object, ...(object.old ? { oldSubnet: object.old } : {}), subnets, pools })
  },
  async mutate(request) {
    const object = parsedOr(parseSpiderSubnet, request.object)
    return object ? mutateSubnet({ raw: request.object, subnet: object }) : allow()
  },
}

const reservedIP: KindHandlers = {
  kind: KIND.reservedIP,
  async validate(request, { store }) {
    const object = reviewed(parseSpiderReservedIP, request)
    if ('refused' in object) return object.refused
    const reservedIPs = await store.listReservedIPs('latest')
    return validateReservedIP({ operation: request.operation, reservedIP: object.object, ...(object.old ? { oldReservedIP: object.old } : {}), reservedIPs })
  },
  async mutate(request) {
    const object = parsedOr(parseSpiderReservedIP, request.object)
    return object ? mutateReservedIP({ raw: request.object, reservedIP: object }) : allow()
  },
}

/** By the last segment of the webhook path: /validate/spiderippool, /mutate/spidersubnet, ... */
export const HANDLERS: Readonly<Record<string, KindHandlers>> = {
  spiderippool: ippool,
  spidersubnet: subnet,
  spiderreservedip: reservedIP,
}

/**
 * The verdict for one request. DELETE and CONNECT are let through: deleting a pool or subnet that
 * still holds addresses is held back by its finalizer, not refused.
 */
export async function decide(handlers: KindHandlers, action: 'validate' | 'mutate', request: AdmissionRequest, context: JudgeContext): Promise<Verdict> {
  if (request.kind.kind !== handlers.kind) {
    return {
      allowed: false,
      status: {
        code: 422,
        reason: 'Invalid',
        message: `this webhook judges ${handlers.kind} objects, not ${request.kind.kind}: check the webhook configuration's rules`,
      },
    }
  }
  if (!judged(request)) return allow()
  return action === 'validate' ? handlers.validate(request, context) : handlers.mutate(request, context.store)
}
