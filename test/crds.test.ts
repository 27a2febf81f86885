// The CRDs against the real API server: what the state store relies on (status subresource,
// resourceVersion conflicts, schema validation, printer columns).
import { execFileSync } from 'node:child_process'
import * as k8s from '@kubernetes/client-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { applyManifests, createNamespace, deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'

const kc = kubeConfig()
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const group = 'spiderpool.spidernet.io'
const version = 'v2beta1'
const apiVersion = `${group}/${version}`

const kubectl = (...args: string[]) => execFileSync('kubectl', args, { encoding: 'utf8' })
const columns = (table: string) =>
  table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))

const refusal = async (create: () => Promise<unknown>): Promise<string> => {
  try {
    await create()
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      expect(e.code).toBe(422)
      return String((JSON.parse(String(e.body)) as { message: string }).message)
    }
    throw e
  }
  throw new Error('the API server accepted an invalid object')
}

beforeAll(async () => {
  await applyManifests(kc, 'manifests/crds')
})

describe('SpiderIPPool', () => {
  it('creates, reads and updates status; a stale resourceVersion gets 409', async () => {
    const name = unique('crd-pool')
    const created = await custom.createClusterCustomObject({
      group,
      version,
      plural: 'spiderippools',
      body: { apiVersion, kind: 'SpiderIPPool', metadata: { name }, spec: { ipVersion: 4, subnet: '198.18.50.0/24', ips: ['198.18.50.10-198.18.50.19'] } },
    })
    expect(created.spec).toMatchObject({ default: false, disable: false })
    const status = { allocatedIPs: '{"198.18.50.10":{"pod":"default/a","podUid":"u1"}}', allocatedIPCount: 1, totalIPCount: 10 }
    const updated = await custom.replaceClusterCustomObjectStatus({ group, version, plural: 'spiderippools', name, body: { ...created, status } })
    expect(updated.status).toEqual(status)
    expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion)

    // The write the store relies on: conditional on the resourceVersion read.
    const stale = custom.replaceClusterCustomObjectStatus({
      group,
      version,
      plural: 'spiderippools',
      name,
      body: { ...created, status: { ...status, allocatedIPCount: 2 } },
    })
    await expect(stale).rejects.toMatchObject({ code: 409 })
    const read = await custom.getClusterCustomObject({ group, version, plural: 'spiderippools', name })
    expect(read.status.allocatedIPCount).toBe(1)

    // The status subresource: a spec write cannot change status.
    await custom.replaceClusterCustomObject({ group, version, plural: 'spiderippools', name, body: { ...read, status: { allocatedIPCount: 7 } } })
    expect((await custom.getClusterCustomObject({ group, version, plural: 'spiderippools', name })).status.allocatedIPCount).toBe(1)
    await deleteClusterObjects(kc, 'spiderippools', [name])
  })

  it('refuses ipVersion 5, a missing subnet and wrong types, naming the field', async () => {
    const make = (spec: unknown) => () =>
      custom.createClusterCustomObject({
        group,
        version,
        plural: 'spiderippools',
        body: { apiVersion, kind: 'SpiderIPPool', metadata: { name: unique('bad') }, spec },
      })
    expect(await refusal(make({ ipVersion: 5, subnet: '10.0.0.0/24' }))).toMatch(/spec\.ipVersion: Unsupported value: 5/)
    expect(await refusal(make({ ipVersion: 4 }))).toMatch(/spec\.subnet: Required value/)
    expect(await refusal(make({ subnet: '10.0.0.0/24', ips: '10.0.0.1' }))).toMatch(
      /spec\.ips: Invalid value: "string": spec\.ips in body must be of type array/,
    )
    expect(await refusal(make({ subnet: '10.0.0.0/24', disable: 'yes' }))).toMatch(/spec\.disable: Invalid value: "string"/)
  })
})

describe('SpiderSubnet, SpiderReservedIP, SpiderEndpoint', () => {
  it('create, read and update each kind', async () => {
    const subnet = unique('crd-subnet')
    const s = await custom.createClusterCustomObject({
      group,
      version,
      plural: 'spidersubnets',
      body: { apiVersion, kind: 'SpiderSubnet', metadata: { name: subnet }, spec: { subnet: '198.18.60.0/24', ips: ['198.18.60.2-198.18.60.9'] } },
    })
    const s2 = await custom.replaceClusterCustomObjectStatus({
      group,
      version,
      plural: 'spidersubnets',
      name: subnet,
      body: { ...s, status: { controlledIPPools: '{"p":{"ips":["198.18.60.2-198.18.60.3"]}}', allocatedIPCount: 2, totalIPCount: 8 } },
    })
    expect(s2.status.totalIPCount).toBe(8)
    await expect(
      custom.replaceClusterCustomObjectStatus({ group, version, plural: 'spidersubnets', name: subnet, body: { ...s, status: {} } }),
    ).rejects.toMatchObject({ code: 409 })

    const reserved = unique('crd-reserved')
    await custom.createClusterCustomObject({
      group,
      version,
      plural: 'spiderreservedips',
      body: { apiVersion, kind: 'SpiderReservedIP', metadata: { name: reserved }, spec: { ipVersion: 4, ips: ['198.18.60.5'] } },
    })
    expect((await custom.getClusterCustomObject({ group, version, plural: 'spiderreservedips', name: reserved })).spec.ips).toEqual(['198.18.60.5'])

    const ns = unique('crd-ns')
    await createNamespace(kc, ns)
    const endpoint = await custom.createNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'spiderendpoints',
      body: {
        apiVersion,
        kind: 'SpiderEndpoint',
        metadata: { name: 'pod-a' },
        status: {
          current: { uid: 'u1', node: 'n1', ips: [{ interface: 'eth0', ipv4: '198.18.60.2/24', ipv4Pool: 'p' }] },
          ownerControllerType: 'Pod',
          ownerControllerName: 'pod-a',
        },
      },
    })
    expect(columns(kubectl('get', 'spiderendpoint', '-n', ns))).toEqual([
      ['NAME', 'INTERFACE', 'IPV4POOL', 'IPV4', 'IPV6POOL', 'IPV6', 'NODE'],
      ['pod-a', 'eth0', 'p', '198.18.60.2/24', 'n1'],
    ])
    await custom.replaceNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural: 'spiderendpoints',
      name: 'pod-a',
      body: { ...endpoint, status: { ...endpoint.status, current: { ...endpoint.status.current, node: 'n2' } } },
    })
    await custom.deleteNamespacedCustomObject({ group, version, namespace: ns, plural: 'spiderendpoints', name: 'pod-a' })
    await deleteClusterObjects(kc, 'spidersubnets', [subnet])
    await deleteClusterObjects(kc, 'spiderreservedips', [reserved])
  })
})

describe('kubectl get', () => {
  it('prints the scenario columns with the seed values once status is written', async () => {
    await deleteClusterObjects(kc, 'spiderippools', ['test-ippool-6', 'test-ippool-7'])
    await deleteClusterObjects(kc, 'spidersubnets', ['subnet-6', 'subnet-7'])
    await applyManifests(kc, 'manifests/examples/seed')
    for (const zone of [6, 7]) {
      const name = `test-ippool-${zone}`
      const pool = await custom.getClusterCustomObject({ group, version, plural: 'spiderippools', name })
      await custom.replaceClusterCustomObjectStatus({
        group,
        version,
        plural: 'spiderippools',
        name,
        body: { ...pool, status: { allocatedIPs: `{"10.${zone}.168.65":{"pod":"default/x","podUid":"u"}}`, allocatedIPCount: 1, totalIPCount: 10 } },
      })
      const subnet = await custom.getClusterCustomObject({ group, version, plural: 'spidersubnets', name: `subnet-${zone}` })
      await custom.replaceClusterCustomObjectStatus({
        group,
        version,
        plural: 'spidersubnets',
        name: `subnet-${zone}`,
        body: { ...subnet, status: { allocatedIPCount: 0, totalIPCount: 10 } },
      })
    }
    expect(columns(kubectl('get', 'spidersubnet', 'subnet-6', 'subnet-7'))).toEqual([
      ['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT'],
      ['subnet-6', '4', '10.6.0.0/16', '0', '10'],
      ['subnet-7', '4', '10.7.0.0/16', '0', '10'],
    ])
    expect(columns(kubectl('get', 'spiderippool', 'test-ippool-6', 'test-ippool-7'))).toEqual([
      ['NAME', 'VERSION', 'SUBNET', 'ALLOCATED-IP-COUNT', 'TOTAL-IP-COUNT', 'DEFAULT', 'DISABLE'],
      ['test-ippool-6', '4', '10.6.0.0/16', '1', '10', 'false', 'false'],
      ['test-ippool-7', '4', '10.7.0.0/16', '1', '10', 'false', 'false'],
    ])
    expect(columns(kubectl('get', 'sp', 'test-ippool-6'))[1]?.[0]).toBe('test-ippool-6')
    await deleteClusterObjects(kc, 'spiderippools', ['test-ippool-6', 'test-ippool-7'])
  })
})
