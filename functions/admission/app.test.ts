import { describe, expect, it } from 'vitest'
import { FINALIZER } from '../../shared/api/index.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import { ipPool } from '../lib/memory-fixtures.testkit.ts'
import { createAdmissionApp } from './app.ts'

const review = (operation: string, object: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'req-1', kind: { group: 'spiderpool.spidernet.io', version: 'v2beta1', kind: 'SpiderIPPool' }, operation, name: 'p', object, ...extra },
})
const rawPool = (spec: Record<string, unknown>) => ({ apiVersion: 'spiderpool.spidernet.io/v2beta1', kind: 'SpiderIPPool', metadata: { name: 'p' }, spec })

const post = async (path: string, body: unknown, store = new MemoryStore()) => {
  const response = await createAdmissionApp({ store }).request(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: response.status, body: (await response.json()) as any }
}

describe('admission app', () => {
  it('refuses an overlapping pool with the review uid, a 422 and Spiderpool-style message', async () => {
    const store = new MemoryStore()
    store.putPool(ipPool('a', { subnet: '10.6.0.0/16', ips: ['10.6.0.1-10.6.0.9'] }))
    const answer = await post('/validate/spiderippool', review('CREATE', rawPool({ subnet: '10.6.0.0/16', ips: ['10.6.0.9-10.6.0.20'] })), store)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: 'req-1',
        allowed: false,
        status: {
          code: 422,
          reason: 'Invalid',
          message: `SpiderIPPool.spiderpool.spidernet.io "p" is invalid: spec.ips: Forbidden: overlap with IPPool a in IP ranges [10.6.0.9], total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
        },
      },
    })
  })

  it('admits a good pool, and answers the mutation as a base64 JSON patch', async () => {
    expect((await post('/validate/spiderippool', review('CREATE', rawPool({ subnet: '10.6.0.0/16' })))).body.response).toEqual({ uid: 'req-1', allowed: true })
    const mutated = (await post('/mutate/spiderippool', review('CREATE', rawPool({ subnet: '10.6.0.0/16' })))).body.response
    expect(mutated).toMatchObject({ uid: 'req-1', allowed: true, patchType: 'JSONPatch' })
    expect(JSON.parse(atob(mutated.patch))).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
      { op: 'add', path: '/spec/ipVersion', value: 4 },
      { op: 'add', path: '/metadata/labels', value: { 'ipam.spidernet.io/ippool-cidr': '10-6-0-0-16' } },
    ])
  })

  it('lets DELETE through, and leaves a mutation it cannot parse to the schema', async () => {
    expect((await post('/validate/spiderippool', review('DELETE', null, { oldObject: rawPool({ subnet: '10.6.0.0/16' }) }))).body.response).toEqual({
      uid: 'req-1',
      allowed: true,
    })
    expect((await post('/mutate/spiderippool', review('CREATE', rawPool({ ipVersion: 5 })))).body.response).toEqual({ uid: 'req-1', allowed: true })
  })

  it('refuses an object of another kind than its path says', async () => {
    const answer = await post('/validate/spidersubnet', review('CREATE', rawPool({ subnet: '10.6.0.0/16' })))
    expect(answer.body.response.allowed).toBe(false)
    expect(answer.body.response.status.message).toMatch(/judges SpiderSubnet objects, not SpiderIPPool/)
  })

  it.each([
    ['no JSON', 'not json', 400, 'request body is not valid JSON (an AdmissionReview was expected)'],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 400, 'invalid AdmissionReview: request: required'],
    ['an empty uid', review('CREATE', {}, { uid: '' }), 400, 'invalid AdmissionReview: request.uid: must not be empty'],
    [
      'another API version',
      { ...review('CREATE', {}), apiVersion: 'admission.k8s.io/v1beta1' },
      400,
      'invalid AdmissionReview: apiVersion: must be admission.k8s.io/v1',
    ],
  ])('answers %s with a 400 that says what is wrong', async (_, body, status, message) => {
    const answer = await post('/validate/spiderippool', body)
    expect(answer).toEqual({ status, body: { code: 'invalid-request', message } })
  })

  it('answers 404 for a kind it has no webhook for', async () => {
    const answer = await post('/validate/pods', review('CREATE', {}))
    expect(answer.status).toBe(404)
    expect(answer.body.message).toBe('no webhook at /validate/pods: the kinds are spiderippool, spidersubnet, spiderreservedip')
  })
})
