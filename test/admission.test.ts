// The admission webhooks against the real API server: every rule refuses one object with its
// message (through `kubectl apply`, as users meet it, or the API) and admits another; nothing of a
// refused object is stored. The service serves the webhooks with the certificate it bootstrapped.
// kubectl prints a webhook's 422 from its causes, `The SpiderIPPool "x" is invalid: ...`, as it
// prints Spiderpool's; the API's own message adds `admission webhook "..." denied the request`.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POOL_ADDRESS_CAP } from '../shared/admission/pool-size-cap.ts'
import { FINALIZER, GROUP, PLURAL, VERSION, serializeAllocatedIPs, type AllocatedIPs } from '../shared/api/index.ts'
import { KubeStore } from '../shared/kube/kube-store.ts'
import { retryOnConflict } from '../shared/store/retry-on-conflict.ts'
import { deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'
import { kubectl, startWebhooks, type Webhooks } from './support/webhooks.ts'

const kc = kubeConfig()
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const store = KubeStore.fromKubeConfig(kc)
const run = unique('adm')
let webhooks: Webhooks

// Addresses of this run only: a /24 of the shared address space and a /48 of the documentation
// prefix, picked at random, so a pool left by an earlier run cannot overlap them.
const random = (n: number) => Math.floor(Math.random() * n)
const [second, third] = [64 + random(63), random(256)]
const v4 = (offset: number, host: number | string) => `100.${second}.${(third + offset) % 256}.${host}`
const v6prefix = `2001:db8:${random(0xffff).toString(16)}`
const v6 = (subnet: number, host: string) => `${v6prefix}:${subnet}::${host}`

type Plural = 'spiderippools' | 'spidersubnets' | 'spiderreservedips'
const KIND_OF: Record<Plural, string> = { spiderippools: 'SpiderIPPool', spidersubnets: 'SpiderSubnet', spiderreservedips: 'SpiderReservedIP' }
const made: Array<[Plural, string]> = []

const object = (plural: Plural, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => {
  made.push([plural, name])
  return { apiVersion: `${GROUP}/${VERSION}`, kind: KIND_OF[plural], metadata: { name, labels: webhooks.label, ...metadata }, spec }
}

/** `kubectl apply` of one object; JSON is YAML. */
const apply = (body: unknown) => kubectl(['apply', '-f', '-'], JSON.stringify(body))

const read = (plural: Plural, name: string) =>
  custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name }).then(
    (o) => o as { metadata: Record<string, any>; spec: Record<string, any> },
    (e: unknown) => {
      if (e instanceof k8s.ApiException && e.code === 404) return undefined
      throw e
    },
  )

/** The API server's message for a refused request, or 'admitted'. */
const refusalOf = (request: Promise<unknown>): Promise<string> =>
  request.then(
    () => 'admitted',
    (e: unknown) => {
      if (!(e instanceof k8s.ApiException)) throw e
      return `${e.code}: ${(JSON.parse(String(e.body)) as { message: string }).message}`
    },
  )

const mergePatch = (plural: Plural, name: string, body: unknown) =>
  custom.patchClusterCustomObject({ group: GROUP, version: VERSION, plural, name, body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch))

/** Records in a pool's status, as allocation would write them; the service's reconciler may write the counts meanwhile. */
const setRecords = (name: string, records: AllocatedIPs) =>
  retryOnConflict(`records of ${name}`, async () => store.replacePoolStatus((await store.getPool(name))!, { allocatedIPs: serializeAllocatedIPs(records) }))

const denied = (kind: 'spiderippool' | 'spidersubnet' | 'spiderreservedip', message: string) =>
  `admission webhook "${kind}.validate.spinneret.spidernet.io" denied the request: ${message}`

beforeAll(async () => {
  webhooks = await startWebhooks(kc, run, { RESYNC_SECONDS: '3600' })
}, 120_000)

afterAll(async () => {
  // The service first (its reconciler puts finalizers back), then the webhooks (the mutating one
  // does too), then the objects.
  await webhooks?.remove()
  for (const plural of ['spiderippools', 'spidersubnets', 'spiderreservedips'] as const) {
    await deleteClusterObjects(
      kc,
      plural,
      made.filter(([p]) => p === plural).map(([, name]) => name),
    )
  }
})

describe('SpiderIPPool admission', () => {
  const base = `${run}-base`

  it('admits a pool through kubectl apply and fills in Spiderpool defaults: finalizer, ipVersion, label, merged ips', async () => {
    const result = apply(
      object('spiderippools', base, {
        subnet: v4(0, '0/24'),
        ips: [v4(0, 20), `${v4(0, 10)}-${v4(0, 19)}`, v4(0, 30)],
        excludeIPs: [v4(0, 12), v4(0, 11)],
        gateway: v4(0, 1),
      }),
    )
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/spiderippool.spiderpool.spidernet.io\/.* created/)
    const stored = await read('spiderippools', base)
    expect(stored?.metadata.finalizers).toEqual([FINALIZER])
    expect(stored?.metadata.labels['ipam.spidernet.io/ippool-cidr']).toBe(`100-${second}-${third}-0-24`)
    expect(stored?.spec).toMatchObject({ ipVersion: 4, ips: [`${v4(0, 10)}-${v4(0, 20)}`, v4(0, 30)], excludeIPs: [`${v4(0, 11)}-${v4(0, 12)}`] })
  })

  it.each([
    [
      'a subnet not in canonical form',
      () => ({ subnet: v4(1, '1/24') }),
      () => `spec.subnet: Invalid value: "${v4(1, '1/24')}": unformatted subnet ${v4(1, '1/24')}, please change it to ${v4(1, '0/24')}`,
    ],
    [
      'an ipVersion that does not match the subnet',
      () => ({ ipVersion: 6, subnet: v4(1, '0/24') }),
      () => `spec.subnet: Invalid value: "${v4(1, '0/24')}": invalid CIDR format in IPv6 '${v4(1, '0/24')}'`,
    ],
    [
      'ips outside the subnet',
      () => ({ subnet: v4(1, '0/24'), ips: [v4(2, 5)] }),
      () => `spec.ips[0]: Invalid value: "${v4(2, 5)}": not pertains to the 'spec.subnet' ${v4(1, '0/24')} of IPPool`,
    ],
    [
      'excludeIPs outside the subnet',
      () => ({ subnet: v4(1, '0/24'), excludeIPs: [v4(2, 5)] }),
      () => `spec.excludeIPs[0]: Invalid value: "${v4(2, 5)}": not pertains to the 'spec.subnet' ${v4(1, '0/24')} of IPPool`,
    ],
    [
      'a reversed range',
      () => ({ subnet: v4(1, '0/24'), ips: [`${v4(1, 9)}-${v4(1, 2)}`] }),
      () => `spec.ips[0]: Invalid value: "${v4(1, 9)}-${v4(1, 2)}": invalid IP range format in IPv4 '${v4(1, 9)}-${v4(1, 2)}'`,
    ],
    [
      'a gateway outside the subnet',
      () => ({ subnet: v4(1, '0/24'), gateway: v4(2, 1) }),
      () => `spec.gateway: Invalid value: "${v4(2, 1)}": not pertains to the 'spec.subnet' ${v4(1, '0/24')} of IPPool`,
    ],
    [
      'a gateway that would be handed out',
      () => ({ subnet: v4(1, '0/24'), ips: [`${v4(1, 1)}-${v4(1, 9)}`], gateway: v4(1, 1) }),
      () =>
        `spec.ips[0]: Invalid value: "${v4(1, 1)}-${v4(1, 9)}": conflicts with 'spec.gateway' ${v4(1, 1)}, add the gateway IP address to 'spec.excludeIPs' or remove it from 'spec.ips'`,
    ],
    [
      'a default route',
      () => ({ subnet: v4(1, '0/24'), routes: [{ dst: '0.0.0.0/0', gw: v4(1, 1) }] }),
      () => `spec.routes[0].dst: Invalid value: "0.0.0.0/0": please specify 'spec.gateway' to configure the default route`,
    ],
    [
      'two routes to one dst',
      () => ({
        subnet: v4(1, '0/24'),
        routes: [
          { dst: '10.0.0.0/8', gw: v4(1, 1) },
          { dst: '10.0.0.0/8', gw: v4(1, 2) },
        ],
      }),
      () => `spec.routes[1].dst: Invalid value: "10.0.0.0/8": duplicate route with the same dst`,
    ],
    [
      'a route via a gateway outside the subnet',
      () => ({ subnet: v6(1, '/64'), routes: [{ dst: `${v6prefix}:9::/64`, gw: v6(2, '1') }] }),
      () => `spec.routes[0].gw: Invalid value: "${v6(2, '1')}": not pertains to the 'spec.subnet' ${v6(1, '/64')} of IPPool`,
    ],
    [
      'an empty podAffinity',
      () => ({ subnet: v4(1, '0/24'), podAffinity: {} }),
      () => 'spec.podAffinity: Invalid value: {}: empty podAffinity is invalid for SpiderIPPool',
    ],
    [
      "a subnet overlapping another pool's",
      () => ({ subnet: v4(0, '0/25') }),
      () => `spec.subnet: Invalid value: "${v4(0, '0/25')}": overlap with IPPool ${base} which 'spec.subnet' is ${v4(0, '0/24')}`,
    ],
    [
      'addresses another pool of the subnet may hand out',
      () => ({ subnet: v4(0, '0/24'), ips: [`${v4(0, 5)}-${v4(0, 11)}`] }),
      () =>
        `spec.ips: Forbidden: overlap with IPPool ${base} in IP ranges [${v4(0, 10)}], total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    ],
    [
      'an IPv6 /64 (more than a status can record)',
      () => ({ subnet: v6(1, '/64'), ips: [`${v6(1, '')}-${v6prefix}:1:ffff:ffff:ffff:ffff`] }),
      () =>
        `spec.ips: Forbidden: 18446744073709551616 IP addresses are more than the ${POOL_ADDRESS_CAP[6]} an IPv6 SpiderIPPool can record (its status must fit in etcd's 1.5 MiB request limit), split them over several IPPools`,
    ],
  ])('refuses %s, and stores nothing of it', async (_, spec, message) => {
    const name = unique(`${run}-bad`)
    const started = performance.now()
    const result = apply(object('spiderippools', name, spec()))
    expect(result.status).not.toBe(0)
    expect(result.stderr).toBe(`The SpiderIPPool "${name}" is invalid: ${message()}`)
    expect(performance.now() - started).toBeLessThan(5000)
    expect(await read('spiderippools', name)).toBeUndefined()
  })

  it.each([
    [
      'the gateway inside ips when it is excluded',
      () => ({ subnet: v4(3, '0/24'), ips: [`${v4(3, 1)}-${v4(3, 9)}`], excludeIPs: [v4(3, 1)], gateway: v4(3, 1) }),
    ],
    ['routes', () => ({ subnet: v6(3, '/64'), routes: [{ dst: `${v6prefix}:9::/64`, gw: v6(3, '1') }], ips: [`${v6(3, '10')}-${v6(3, '20')}`] })],
    ['a podAffinity', () => ({ subnet: v4(4, '0/24'), podAffinity: { matchLabels: { app: 'web' } } })],
    ['other addresses of a shared subnet', () => ({ subnet: v4(0, '0/24'), ips: [`${v4(0, 100)}-${v4(0, 110)}`] })],
    ['an IPv6 range as large as a status can record', () => ({ subnet: v6(4, '/64'), ips: [`${v6(4, '1')}-${v6(4, POOL_ADDRESS_CAP[6].toString(16))}`] })],
  ])('admits %s', async (_, spec) => {
    const name = unique(`${run}-good`)
    const result = apply(object('spiderippools', name, spec()))
    expect(result.stderr).toBe('')
    expect(await read('spiderippools', name)).toBeDefined()
  })

  it('refuses changes to subnet and ipVersion, and stores nothing of them', async () => {
    const before = await read('spiderippools', base)
    expect(await refusalOf(mergePatch('spiderippools', base, { spec: { subnet: v4(9, '0/24') } }))).toBe(
      `422: ${denied('spiderippool', `SpiderIPPool.spiderpool.spidernet.io "${base}" is invalid: spec.subnet: Forbidden: is not changeable`)}`,
    )
    expect(await refusalOf(mergePatch('spiderippools', base, { spec: { ipVersion: 6 } }))).toBe(
      `422: ${denied('spiderippool', `SpiderIPPool.spiderpool.spidernet.io "${base}" is invalid: spec.ipVersion: Forbidden: is not changeable`)}`,
    )
    expect((await read('spiderippools', base))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion)
  })

  it('refuses removing or excluding an address in use, naming the pod; admits freeing others', async () => {
    const name = unique(`${run}-used`)
    expect(apply(object('spiderippools', name, { subnet: v6(5, '/64'), ips: [`${v6(5, '10')}-${v6(5, '20')}`] })).stderr).toBe('')
    await setRecords(name, { [v6(5, '12')]: { pod: 'web/web-0', podUid: 'u0' } })
    const message = `SpiderIPPool.spiderpool.spidernet.io "${name}" is invalid: spec.ips: Forbidden: remove an IP address ${v6(5, '12')} that is being used by Pod web/web-0, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`
    expect(await refusalOf(mergePatch('spiderippools', name, { spec: { ips: [`${v6(5, '13')}-${v6(5, '20')}`] } }))).toBe(
      `422: ${denied('spiderippool', message)}`,
    )
    expect(await refusalOf(mergePatch('spiderippools', name, { spec: { excludeIPs: [v6(5, '12')] } }))).toBe(`422: ${denied('spiderippool', message)}`)
    expect(await refusalOf(mergePatch('spiderippools', name, { spec: { ips: [`${v6(5, '11')}-${v6(5, '13')}`] } }))).toBe('admitted')
    expect((await read('spiderippools', name))?.spec.ips).toEqual([`${v6(5, '11')}-${v6(5, '13')}`])
  })

  it('refuses updates to a terminating pool while it keeps its finalizer', async () => {
    const name = unique(`${run}-ending`)
    expect(apply(object('spiderippools', name, { subnet: v4(6, '0/24'), ips: [v4(6, 10)] })).stderr).toBe('')
    // A record keeps the reconciler from letting the pool go while the test looks at it.
    await setRecords(name, { [v4(6, 10)]: { pod: 'web/web-0', podUid: 'u0' } })
    await custom.deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL.ipPool, name })
    expect(await refusalOf(mergePatch('spiderippools', name, { metadata: { labels: { team: 'b' } } }))).toBe(
      `403: ${denied('spiderippool', 'forbidden: cannot update a terminating IPPool')}`,
    )
    // Letting the finalizer go is the one update a terminating pool takes: then it is gone.
    expect(await refusalOf(mergePatch('spiderippools', name, { metadata: { finalizers: null } }))).toBe('admitted')
    expect(await read('spiderippools', name)).toBeUndefined()
  })
})

describe('SpiderSubnet admission, and pools of a SpiderSubnet', () => {
  const subnetName = `${run}-subnet`

  it('admits a subnet and fills in its defaults', async () => {
    const result = apply(
      object('spidersubnets', subnetName, {
        subnet: v4(10, '0/24'),
        ips: [`${v4(10, 100)}-${v4(10, 200)}`, `${v4(10, 10)}-${v4(10, 99)}`],
        gateway: v4(10, 1),
        routes: [{ dst: '10.0.0.0/8', gw: v4(10, 1) }],
      }),
    )
    expect(result.stderr).toBe('')
    const stored = await read('spidersubnets', subnetName)
    expect(stored?.metadata.finalizers).toEqual([FINALIZER])
    expect(stored?.metadata.labels['ipam.spidernet.io/subnet-cidr']).toBe(`100-${second}-${(third + 10) % 256}-0-24`)
    expect(stored?.spec).toMatchObject({ ipVersion: 4, ips: [`${v4(10, 10)}-${v4(10, 200)}`] })
  })

  it.each([
    [
      'the same CIDR as another subnet',
      () => ({ subnet: v4(10, '0/24') }),
      () => `spec.subnet: Invalid value: "${v4(10, '0/24')}": overlap with Subnet ${subnetName} which 'spec.subnet' is ${v4(10, '0/24')}`,
    ],
    [
      'a CIDR inside another subnet',
      () => ({ subnet: v4(10, '128/25') }),
      () => `spec.subnet: Invalid value: "${v4(10, '128/25')}": overlap with Subnet ${subnetName} which 'spec.subnet' is ${v4(10, '0/24')}`,
    ],
    [
      'a CIDR over a pool of another CIDR',
      () => ({ subnet: v4(0, '0/25') }),
      () => `spec.subnet: Invalid value: "${v4(0, '0/25')}": overlap with SpiderIPPool '${run}-base' resource 'spec.subnet' ${v4(0, '0/24')}`,
    ],
  ])('refuses %s, and stores nothing of it', async (_, spec, message) => {
    const name = unique(`${run}-badnet`)
    const result = apply(object('spidersubnets', name, spec()))
    expect(result.status).not.toBe(0)
    expect(result.stderr).toBe(`The SpiderSubnet "${name}" is invalid: ${message()}`)
    expect(await read('spidersubnets', name)).toBeUndefined()
  })

  it("takes a pool of its CIDR made before it only when it covers the pool's addresses", async () => {
    const pool = `${run}-early`
    expect(apply(object('spiderippools', pool, { subnet: v4(12, '0/24'), ips: [`${v4(12, 1)}-${v4(12, 9)}`], excludeIPs: [v4(12, 1)] })).stderr).toBe('')
    const narrow = unique(`${run}-narrow`)
    expect(apply(object('spidersubnets', narrow, { subnet: v4(12, '0/24'), ips: [`${v4(12, 5)}-${v4(12, 200)}`] })).stderr).toBe(
      `The SpiderSubnet "${narrow}" is invalid: spec.ips: Invalid value: ["${v4(12, 5)}-${v4(12, 200)}"]: SpiderIPPool '${pool}' owns some IP addresses that SpiderSubnet '${narrow}' can't control`,
    )
    expect(await read('spidersubnets', narrow)).toBeUndefined()
    const wide = unique(`${run}-wide`)
    expect(apply(object('spidersubnets', wide, { subnet: v4(12, '0/24'), ips: [`${v4(12, 2)}-${v4(12, 200)}`] })).stderr).toBe('')
  })

  it('gives a pool of its CIDR the subnet as controller, its label, gateway and routes', async () => {
    const name = unique(`${run}-member`)
    expect(apply(object('spiderippools', name, { subnet: v4(10, '0/24'), ips: [`${v4(10, 20)}-${v4(10, 29)}`] })).stderr).toBe('')
    const stored = await read('spiderippools', name)
    const subnet = await read('spidersubnets', subnetName)
    expect(stored?.metadata.ownerReferences).toEqual([
      { apiVersion: `${GROUP}/${VERSION}`, kind: 'SpiderSubnet', name: subnetName, uid: subnet?.metadata.uid, controller: true, blockOwnerDeletion: true },
    ])
    expect(stored?.metadata.labels['ipam.spidernet.io/owner-spider-subnet']).toBe(subnetName)
    expect(stored?.spec).toMatchObject({ gateway: v4(10, 1), routes: [{ dst: '10.0.0.0/8', gw: v4(10, 1) }] })
  })

  it('refuses a pool of its CIDR with addresses the subnet does not have', async () => {
    const name = unique(`${run}-outsider`)
    const result = apply(object('spiderippools', name, { subnet: v4(10, '0/24'), ips: [`${v4(10, 5)}-${v4(10, 12)}`] }))
    expect(result.stderr).toBe(
      `The SpiderIPPool "${name}" is invalid: spec.ips: Forbidden: add some IP ranges [${v4(10, 5)}-${v4(10, 9)}] that are not contained in controller Subnet ${subnetName}, total IP addresses of an IPPool are jointly determined by 'spec.ips' and 'spec.excludeIPs'`,
    )
    expect(await read('spiderippools', name)).toBeUndefined()
  })

  it('refuses taking addresses from the subnet that its pools hold, and changing its CIDR; admits growing', async () => {
    const before = await read('spidersubnets', subnetName)
    expect(await refusalOf(mergePatch('spidersubnets', subnetName, { spec: { ips: [`${v4(10, 25)}-${v4(10, 200)}`] } }))).toMatch(
      new RegExp(
        `^422: .*spec\\.ips: Forbidden: remove some IP ranges \\[${v4(10, 20).replace(/\./g, '\\.')}-${v4(10, 24).replace(/\./g, '\\.')}\\] that is being used by IPPool ${run}-member-\\w+, total IP addresses of an Subnet`,
      ),
    )
    expect(await refusalOf(mergePatch('spidersubnets', subnetName, { spec: { subnet: v4(11, '0/24') } }))).toBe(
      `422: ${denied('spidersubnet', `SpiderSubnet.spiderpool.spidernet.io "${subnetName}" is invalid: spec.subnet: Forbidden: is not changeable`)}`,
    )
    expect((await read('spidersubnets', subnetName))?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion)
    expect(await refusalOf(mergePatch('spidersubnets', subnetName, { spec: { ips: [`${v4(10, 2)}-${v4(10, 250)}`] } }))).toBe('admitted')
  })
})

describe('SpiderReservedIP admission', () => {
  const first = `${run}-reserved`

  it('admits a reservation and derives its ipVersion', async () => {
    expect(apply(object('spiderreservedips', first, { ips: [v6(20, '9'), `${v6(20, '1')}-${v6(20, '8')}`] })).stderr).toBe('')
    expect((await read('spiderreservedips', first))?.spec).toEqual({ ipVersion: 6, ips: [`${v6(20, '1')}-${v6(20, '9')}`] })
  })

  it.each([
    ['addresses another reservation holds', () => ({ ips: [v6(20, '5')] }), () => `spec.ips: Forbidden: overlaps with ReservedIP ${first}`],
    [
      'a malformed range',
      () => ({ ipVersion: 4, ips: [v4(20, 1), 'nonsense'] }),
      () => `spec.ips[1]: Invalid value: "nonsense": invalid IP range format in IPv4 'nonsense'`,
    ],
    ['no addresses', () => ({ ipVersion: 4, ips: [] }), () => 'spec.ips: Required value: requires at least one item'],
  ])('refuses %s, and stores nothing of it', async (_, spec, message) => {
    const name = unique(`${run}-badres`)
    const result = apply(object('spiderreservedips', name, spec()))
    expect(result.stderr).toBe(`The SpiderReservedIP "${name}" is invalid: ${message()}`)
    expect(await read('spiderreservedips', name)).toBeUndefined()
  })
})
