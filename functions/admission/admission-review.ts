import * as v from 'valibot'
import type { Verdict } from '../../shared/admission/index.ts'
import { toBase64 } from '../../shared/base64.ts'

/** admission.k8s.io/v1 AdmissionReview, the part a webhook reads. Unknown fields are kept. */
export const AdmissionReviewSchema = v.looseObject({
  apiVersion: v.literal('admission.k8s.io/v1', 'must be admission.k8s.io/v1'),
  kind: v.literal('AdmissionReview', 'must be AdmissionReview'),
  request: v.looseObject({
    uid: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
    kind: v.looseObject({ group: v.string(), version: v.string(), kind: v.string() }),
    operation: v.picklist(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    name: v.optional(v.string()),
    object: v.optional(v.unknown()),
    oldObject: v.optional(v.unknown()),
    /** Who asks: the service's own writes of auto pools are told apart from users' by it. */
    userInfo: v.optional(v.looseObject({ username: v.optional(v.string()) })),
  }),
})
export type AdmissionReview = v.InferOutput<typeof AdmissionReviewSchema>
export type AdmissionRequest = AdmissionReview['request']

/** The AdmissionReview answer for a request: same uid, the verdict, a JSON patch if any. */
export const admissionResponse = (request: AdmissionRequest, verdict: Verdict) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: verdict.allowed
    ? {
        uid: request.uid,
        allowed: true,
        ...(verdict.patch ? { patchType: 'JSONPatch', patch: toBase64(JSON.stringify(verdict.patch)) } : {}),
      }
    : { uid: request.uid, allowed: false, status: { metadata: {}, status: 'Failure', ...verdict.status } },
})
