/**
 * Test-only: requests to the IPAM API as the plugin sends them, their near misses and garbage.
 * Fields mostly name the fixture's real pods (with their UID or another), so that the fuzzer
 * reaches the reads, the selection and the writes, not only the body schema.
 */
import fc from 'fast-check'
import { garbage, mostly, textArb } from '../../shared/annotations/fuzz-arbitraries.testkit.ts'

export interface PodRef {
  namespace: string
  name: string
  uid: string
}

export interface FuzzRequest {
  method: string
  path: string
  /** Sent as is; undefined sends no body. */
  body?: string
  contentType?: string
}

const anyJson = fc.jsonValue({ maxDepth: 2 })

/** A pod as a request names it: a fixture pod with its UID, another UID, or made-up fields. */
const podFieldsArb = (pods: readonly PodRef[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pods).map((p) => ({ podNamespace: p.namespace, podName: p.name, podUID: p.uid })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...pods), fc.constantFrom('0000-stale-uid', '', 'x'))
        .map(([p, uid]) => ({ podNamespace: p.namespace, podName: p.name, podUID: uid })),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        {
          podNamespace: mostly(fc.constantFrom(...pods.map((p) => p.namespace), 'default', 'missing-ns'), anyJson),
          podName: mostly(textArb(20), anyJson),
          podUID: mostly(textArb(20), anyJson),
        },
        { requiredKeys: [] },
      ),
    },
  )

const poolListArb = (pools: readonly string[]) =>
  mostly(fc.array(fc.oneof(fc.constantFrom(...pools, 'fuzz-*', 'missing'), textArb(10)), { maxLength: 3 }), anyJson)

/** Fields a request may carry besides its own: the service must ignore or refuse them. */
const extraArb = fc.option(fc.dictionary(fc.oneof(textArb(8), fc.constantFrom('__proto__', 'constructor', 'podUID')), anyJson, { maxKeys: 2 }), {
  nil: undefined,
})

const withExtra = <T extends object>(arb: fc.Arbitrary<T>) => fc.tuple(arb, extraArb).map(([fields, extra]) => ({ ...extra, ...fields }))

/** Which container and NIC, as DELETE sends them; POST adds its own fields to these. */
const attachmentFields = {
  containerID: mostly(fc.constantFrom('ctr-fuzz', 'c0ffee'), anyJson),
  ifName: mostly(fc.constantFrom('eth0', 'net1'), fc.oneof(fc.constant(''), anyJson)),
  netNamespace: mostly(fc.constant('/var/run/netns/fuzz'), anyJson),
}

/** A body naming a pod (see podFieldsArb) with `fields`, of which containerID and ifName always. */
const podBodyArb = (pods: readonly PodRef[], fields: Record<string, fc.Arbitrary<unknown>>) =>
  withExtra(
    fc
      .tuple(podFieldsArb(pods), fc.record({ ...attachmentFields, ...fields }, { requiredKeys: ['containerID', 'ifName'] }))
      .map(([pod, rest]) => ({ ...rest, ...pod })),
  )

export const allocateBodyArb = (pods: readonly PodRef[], pools: readonly string[]) =>
  podBodyArb(pods, {
    defaultIPv4IPPool: poolListArb(pools),
    defaultIPv6IPPool: poolListArb(pools),
    cleanGateway: mostly(fc.boolean(), anyJson),
    network: mostly(fc.constantFrom('fuzz-net', 'other-net'), anyJson),
  })

export const releaseBodyArb = (pods: readonly PodRef[]) => podBodyArb(pods, {})

export const gcBodyArb = withExtra(
  fc.record(
    {
      network: mostly(fc.constantFrom('fuzz-net', 'other-net'), fc.oneof(fc.constant(''), anyJson)),
      validAttachments: mostly(
        fc.array(
          fc.record(
            { containerID: mostly(fc.constantFrom('ctr-fuzz', 'c0ffee'), anyJson), ifName: mostly(fc.constantFrom('eth0', 'net1'), anyJson) },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
        anyJson,
      ),
    },
    { requiredKeys: [] },
  ),
)

const checkQueryArb = (pods: readonly PodRef[]) =>
  fc.tuple(podFieldsArb(pods), fc.constantFrom('eth0', 'net1', ''), fc.dictionary(textArb(6), textArb(6), { maxKeys: 2 })).map(([pod, ifName, extra]) => {
    const query = new URLSearchParams()
    for (const [k, v] of Object.entries({ ...extra, ...pod, ifName })) query.append(k, typeof v === 'string' ? v : JSON.stringify(v))
    return `/v1/ipam/ip?${query}`
  })

/** A JSON body as sent, sometimes cut short, padded or replaced by anything. */
const sent = (arb: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 8, arbitrary: arb.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: arb.map((v) => JSON.stringify(v).slice(0, -1)) },
    { weight: 1, arbitrary: garbage },
  )

/** One request to the IPAM API: the plugin's four calls and the health check, or anything at all. */
export const ipamRequestArb = (pods: readonly PodRef[], pools: readonly string[]): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: sent(allocateBodyArb(pods, pools)).map((body) => ({ method: 'POST', path: '/v1/ipam/ip', body, contentType: 'application/json' })),
    },
    { weight: 3, arbitrary: sent(releaseBodyArb(pods)).map((body) => ({ method: 'DELETE', path: '/v1/ipam/ip', body, contentType: 'application/json' })) },
    { weight: 2, arbitrary: sent(gcBodyArb).map((body) => ({ method: 'POST', path: '/v1/ipam/gc', body, contentType: 'application/json' })) },
    { weight: 2, arbitrary: checkQueryArb(pods).map((path) => ({ method: 'GET', path })) },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
          path: fc.oneof(
            fc.constantFrom('/v1/ipam/ip', '/v1/ipam/gc', '/v1/ipam/healthy', '/', '/v1/ipam/ip/', '/v1/ipam/ip?', '/v1/../v1/ipam/ip', '/%', '/metrics'),
            fc.webPath().map((p) => `/${p}`),
          ),
          body: fc.option(garbage, { nil: undefined }),
          contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'), {
            nil: undefined,
          }),
        },
        { requiredKeys: ['method', 'path'] },
      ),
    },
  )
