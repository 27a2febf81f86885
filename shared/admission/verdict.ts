import { GROUP } from '../api/index.ts'
import { aggregate, type FieldError } from './field-error.ts'
import type { JsonPatch } from './json-patch.ts'

/**
 * What an admission decision answers: allowed (a mutation may add a JSON patch), or denied with the
 * status the API server shows the user (prefixed there with `admission webhook "..." denied the
 * request: `).
 */
export type Verdict = { allowed: true; patch?: JsonPatch } | { allowed: false; status: DeniedStatus }

export interface DeniedStatus {
  code: 403 | 422
  reason: 'Forbidden' | 'Invalid'
  message: string
  /** For 422: the kind and name, and one cause per field error, as apierrors.NewInvalid writes them. */
  details?: { name: string; group: string; kind: string; causes: Array<{ reason: string; message: string; field: string }> }
}

export const allow = (patch?: JsonPatch): Verdict => (patch && patch.length > 0 ? { allowed: true, patch } : { allowed: true })

const CAUSE_REASON: Record<FieldError['type'], string> = {
  Invalid: 'FieldValueInvalid',
  Forbidden: 'FieldValueForbidden',
  Required: 'FieldValueRequired',
}

/**
 * apierrors.NewInvalid: `SpiderIPPool.spiderpool.spidernet.io "p1" is invalid: <errors>`, which is
 * how Spiderpool's webhooks refuse a bad spec. Undefined entries are dropped; none left = allowed.
 */
export const denyInvalid = (kind: string, name: string, errors: ReadonlyArray<FieldError | undefined>): Verdict => {
  const list = errors.filter((e): e is FieldError => e !== undefined)
  if (list.length === 0) return allow()
  return {
    allowed: false,
    status: {
      code: 422,
      reason: 'Invalid',
      message: `${kind}.${GROUP} ${JSON.stringify(name)} is invalid: ${aggregate(list)}`,
      details: {
        name,
        group: GROUP,
        kind,
        causes: list.map((e) => ({ reason: CAUSE_REASON[e.type], message: aggregate([e]).slice(e.field.length + 2), field: e.field })),
      },
    },
  }
}

/** apierrors.NewForbidden with no resource: `forbidden: <why>` (Spiderpool's terminating-pool refusal). */
export const denyForbidden = (why: string): Verdict => ({
  allowed: false,
  status: { code: 403, reason: 'Forbidden', message: `forbidden: ${why}` },
})
