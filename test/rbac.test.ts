// The service run with the ServiceAccount of manifests/deploy/rbac.yaml and nothing else: its
// ClusterRole and Role must cover every call an ADD, a DEL (claims included), the leader's
// election, watches and scans, the node's leak scan, Events and the admission webhooks
// (certificate Secret, caBundle, the reads a judgement needs) make. A ServiceAccount without
// them is refused, and the refusal names the rule it lacks.
import * as k8s from '@kubernetes/client-node'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  applyManifests,
  cleanUp,
  createNamespace,
  createNode,
  createPod,
  createPool,
  deleteClusterObjects,
  kubeConfig,
  poolRecords,
  readPool,
  terminatePod,
  unique,
} from './support/cluster.ts'
import { ipamBodyFor, ipamCall, startService, type RunningService } from './support/service.ts'
import { startWebhooks } from './support/webhooks.ts'

const kc = kubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)
const apps = kc.makeApiClient(k8s.AppsV1Api)
const authz = kc.makeApiClient(k8s.AuthorizationV1Api)
const ns = unique('rbac')
const node = `${ns}-node`
const pool = `${ns}-pool`
const dir = mkdtempSync(join(tmpdir(), 'spinneret-rbac-'))
const services: RunningService[] = []
// The namespace of manifests/deploy (namespace.yaml), where the service's account lives.
const SYSTEM_NS = 'spinneret-system'

/** A kubeconfig that authenticates as spinneret-system/<account> with a fresh token. */
async function kubeconfigFor(account: string): Promise<string> {
  const request = await core.createNamespacedServiceAccountToken({ namespace: SYSTEM_NS, name: account, body: { spec: { expirationSeconds: 3600 } } })
  const cluster = kc.getCurrentCluster()!
  const caData = kc.clusters.find((c) => c.name === cluster.name)?.caData
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority-data': caData } }],
    users: [{ name: account, user: { token: request.status?.token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: account } }],
    'current-context': 'c',
  }
  const path = join(dir, `${account}.kubeconfig`)
  writeFileSync(path, JSON.stringify(config))
  return path
}

beforeAll(async () => {
  // The namespace and the RBAC alone: webhooks.yaml would register webhooks for a service this
  // control plane does not run, and the DaemonSet would wait forever for nodes.
  await applyManifests(kc, 'manifests/crds', 'manifests/deploy/namespace.yaml', 'manifests/deploy/rbac.yaml')
  await createNamespace(kc, ns)
  await createNode(kc, node, { zone: 'z' })
  await createPool(kc, pool, { subnet: '198.18.0.0/16', ips: ['198.18.9.1-198.18.9.20'], nodeAffinity: { matchLabels: { zone: 'z' } } })
}, 120_000)

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  await cleanUp(kc, { namespace: ns, pools: [pool], nodes: [node] })
  await core.deleteNamespacedServiceAccount({ namespace: SYSTEM_NS, name: `${ns}-unbound` }).catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

const annotations = { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [pool] }) }
const bodyFor = (pod: k8s.V1Pod) => ipamBodyFor(pod, ns)

describe('RBAC (manifests/deploy/rbac.yaml)', () => {
  it('refuses a ServiceAccount without the role, naming the rule it lacks', async () => {
    await core.createNamespacedServiceAccount({ namespace: SYSTEM_NS, body: { metadata: { name: `${ns}-unbound` } } })
    const kubeconfig = await kubeconfigFor(`${ns}-unbound`)
    const pod = await createPod(kc, { namespace: ns, name: 'refused', nodeName: node, annotations })
    // With NODE_NAME it never gets ready (it may not list its node's pods), and says why.
    const watching = await startService({ KUBECONFIG: kubeconfig, NODE_NAME: node }, 'node', { until: 'listening' })
    services.push(watching)
    await vi.waitFor(
      async () => {
        const answer = await ipamCall(watching.socket, 'POST', '/v1/ipam/ip', bodyFor(pod))
        expect(answer.status).toBe(503)
        expect(answer.body.code).toBe('try-again')
        expect(answer.body.message).toMatch(/not ready: .*the Pod watch cannot list: .*cannot list resource "pods"/)
      },
      { timeout: 10_000, interval: 250 },
    )
    // Without a watch to wait for it is ready, and the ADD's first read is refused: "forbidden",
    // naming the verb and resource to grant, not "try again" (no retry helps) nor "invalid request".
    const serving = await startService({ KUBECONFIG: kubeconfig }, 'node')
    services.push(serving)
    const answer = await ipamCall(serving.socket, 'POST', '/v1/ipam/ip', bodyFor(pod))
    expect(answer.status).toBe(403)
    expect(answer.body).toMatchObject({ code: 'forbidden', message: `forbidden: get pods in namespace ${ns}` })
    expect(answer.body.details).toMatch(/cannot get resource "pods"/)
    expect(serving.output()).toMatch(/"msg":"ADD failed".*"outcome":"forbidden"/)
    expect(Object.keys(poolRecords(await readPool(kc, pool)))).toEqual([])
  })

  it('lets the service allocate, release, watch and collect leaks with exactly the role', async () => {
    // The Lease the role names: this service leads, so its election, watches and scans run too.
    const service = await startService({
      KUBECONFIG: await kubeconfigFor('spinneret'),
      NODE_NAME: node,
      RESYNC_SECONDS: '3600',
      SERVICE_NAMESPACE: SYSTEM_NS,
      LEADER_LEASE_NAME: 'spinneret-leader',
      LOG_LEVEL: 'debug',
    })
    services.push(service)
    await vi.waitFor(() => expect(service.output()).toMatch(/"msg":"became the leader/), { timeout: 10_000 })
    const set = await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          serviceName: 'db',
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
        },
      },
    })
    const owner = { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: set.metadata!.uid!, controller: true }
    const plain = await createPod(kc, { namespace: ns, name: 'plain', nodeName: node, annotations })
    const member = await createPod(kc, { namespace: ns, name: 'db-0', nodeName: node, annotations, ownerReferences: [owner] })
    const leaked = await createPod(kc, { namespace: ns, name: 'leaked', nodeName: node, annotations })
    for (const pod of [plain, member, leaked]) {
      const answer = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(pod))
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
    for (const pod of [plain, member]) {
      // A runtime's DEL comes once the pod is terminating (a DEL before keeps the address).
      await terminatePod(kc, ns, pod.metadata?.name ?? '')
      const answer = await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(pod))
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    }
    // The StatefulSet still wants db-0: its address stays for the next incarnation.
    const holders = async () =>
      Object.values(poolRecords(await readPool(kc, pool)))
        .map((r) => r.pod.split('/')[1])
        .sort()
    expect(await holders()).toEqual(['db-0', 'leaked'])
    await core.deleteNamespacedPod({ namespace: ns, name: 'leaked', gracePeriodSeconds: 0 })
    await vi.waitFor(async () => expect(await holders()).toEqual(['db-0']), { timeout: 30_000, interval: 500 })
    // A failed allocation leaves an Event on its pod.
    const lost = await createPod(kc, {
      namespace: ns,
      name: 'lost',
      nodeName: node,
      annotations: { 'ipam.spidernet.io/ippool': JSON.stringify({ ipv4: [`${ns}-missing`] }) },
    })
    expect((await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(lost))).status).not.toBe(200)
    await vi.waitFor(
      async () => {
        const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=lost' })
        expect(events.items.map((e) => e.reason)).toContain('IPAllocationFailed')
      },
      { timeout: 10_000, interval: 250 },
    )
    // The leader's scans ran (the deleted pod asked for one) and read nodes and pods cluster-wide.
    await vi.waitFor(() => expect(service.output()).toMatch(/"msg":"leaked-IP scan done","scope":"cluster"/), { timeout: 15_000, interval: 250 })
    expect(service.output()).not.toMatch(/forbidden|\(403\)|could not (read or write the lease|record an event)/i)
    // It gives the Lease up as it stops, so the next test's service leads at once.
    await service.stop()
  })

  it('follows applications with auto pools with exactly the role: watches workloads, makes and deletes pools, tells refusals in Events', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi)
    const crd = (plural: string) => ({ group: 'spiderpool.spidernet.io', version: 'v2beta1', plural })
    const subnetName = `${ns}-subnet`
    await custom.createClusterCustomObject({
      ...crd('spidersubnets'),
      body: {
        apiVersion: 'spiderpool.spidernet.io/v2beta1',
        kind: 'SpiderSubnet',
        metadata: { name: subnetName },
        spec: { subnet: '198.18.121.0/24', ips: ['198.18.121.10-198.18.121.19'] },
      },
    })
    const autoPools = async () =>
      (
        (await custom.listClusterCustomObject(crd('spiderippools'))) as {
          items: Array<{ metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string } }>
        }
      ).items.filter((p) => p.metadata.labels?.['ipam.spidernet.io/owner-spider-subnet'] === subnetName)
    try {
      // The Lease the role names: auto pools are the leader's duty.
      const service = await startService({
        KUBECONFIG: await kubeconfigFor('spinneret'),
        NODE_NAME: node,
        RESYNC_SECONDS: '3600',
        SERVICE_NAMESPACE: SYSTEM_NS,
        LEADER_LEASE_NAME: 'spinneret-leader',
      })
      services.push(service)
      const subnetTemplate = (name: string, subnet: string) => ({
        metadata: { labels: { app: name }, annotations: { 'ipam.spidernet.io/subnet': JSON.stringify({ ipv4: [subnet] }) } },
        spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
      })
      const d = await apps.createNamespacedDeployment({
        namespace: ns,
        body: { metadata: { name: 'auto' }, spec: { replicas: 1, selector: { matchLabels: { app: 'auto' } }, template: subnetTemplate('auto', subnetName) } },
      })
      await apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'lost' },
          spec: { replicas: 1, selector: { matchLabels: { app: 'lost' } }, template: subnetTemplate('lost', 'no-such-subnet') },
        },
      })
      const [made] = await vi.waitFor(
        async () => {
          const pools = await autoPools()
          expect(pools).toHaveLength(1)
          return pools
        },
        { timeout: 20_000, interval: 250 },
      )
      const rs = await apps.createNamespacedReplicaSet({
        namespace: ns,
        body: {
          metadata: {
            name: 'auto-rs',
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'auto', uid: d.metadata!.uid!, controller: true }],
          },
          spec: { replicas: 0, selector: { matchLabels: { app: 'auto' } }, template: subnetTemplate('auto', subnetName) },
        },
      })
      const member = await createPod(kc, {
        namespace: ns,
        name: 'auto-a',
        nodeName: node,
        annotations: { 'ipam.spidernet.io/subnet': JSON.stringify({ ipv4: [subnetName] }) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'auto-rs', uid: rs.metadata!.uid!, controller: true }],
      })
      const answer = await ipamCall(service.socket, 'POST', '/v1/ipam/ip', bodyFor(member))
      expect(answer.status, JSON.stringify(answer.body)).toBe(200)
      expect(answer.body.ips[0].ipPool).toBe(made!.metadata.name)
      await vi.waitFor(
        async () => {
          // Told once by each service that reconciles it (two run here).
          const events = (await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=lost,involvedObject.kind=Deployment' })).items
          expect(events.length).toBeGreaterThan(0)
          expect(new Set(events.map((e) => `${e.type} ${e.reason} ${e.message}`))).toEqual(
            new Set([`Warning SubnetNotFound SpiderSubnet no-such-subnet does not exist (the IPv4 auto pool of Deployment ${ns}/lost for eth0)`]),
          )
        },
        { timeout: 20_000, interval: 250 },
      )
      await apps.deleteNamespacedDeployment({ namespace: ns, name: 'auto' })
      await vi.waitFor(async () => expect((await autoPools())[0]?.metadata.deletionTimestamp).toBeDefined(), { timeout: 20_000, interval: 250 })
      await terminatePod(kc, ns, 'auto-a')
      expect((await ipamCall(service.socket, 'DELETE', '/v1/ipam/ip', bodyFor(member))).status).toBe(200)
      await vi.waitFor(async () => expect(await autoPools()).toEqual([]), { timeout: 20_000, interval: 250 })
      expect(service.output()).not.toMatch(/forbidden|\(403\)/i)
    } finally {
      await apps.deleteNamespacedDeployment({ namespace: ns, name: 'lost' }).catch(() => undefined)
      await apps.deleteNamespacedDeployment({ namespace: ns, name: 'auto' }).catch(() => undefined)
      await deleteClusterObjects(
        kc,
        'spiderippools',
        (await autoPools()).map((p) => p.metadata.name),
      )
      await deleteClusterObjects(kc, 'spidersubnets', [subnetName])
    }
  })

  it('serves the admission webhooks with exactly the role: certificate Secret, caBundle, judgement', async () => {
    // The configurations are the ones the role names; startWebhooks waits until the service has
    // made its certificate, set their caBundle and refused a bad pool through the API server.
    const webhooks = await startWebhooks(kc, 'spinneret', {
      KUBECONFIG: await kubeconfigFor('spinneret'),
      WEBHOOK_TLS_SECRET: 'spinneret-webhook-tls',
      SERVICE_NAMESPACE: SYSTEM_NS,
      LEADER_LEASE_NAME: 'spinneret-leader',
    })
    try {
      const secret = await core.readNamespacedSecret({ namespace: SYSTEM_NS, name: 'spinneret-webhook-tls' })
      expect(Object.keys(secret.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'])
      // An auto pool is judged knowing who asks: the service learns which user it is itself
      // (a SelfSubjectReview, which system:basic-user grants every authenticated user).
      const custom = kc.makeApiClient(k8s.CustomObjectsApi)
      await custom.createClusterCustomObject({
        group: 'spiderpool.spidernet.io',
        version: 'v2beta1',
        plural: 'spiderippools',
        dryRun: 'All',
        body: {
          apiVersion: 'spiderpool.spidernet.io/v2beta1',
          kind: 'SpiderIPPool',
          metadata: { name: `${ns}-auto`, labels: { ...webhooks.label, 'ipam.spidernet.io/owner-application-name': 'web' } },
          spec: { subnet: '203.0.113.0/24', ips: ['203.0.113.10'] },
        },
      })
      expect(webhooks.service.output()).not.toMatch(/forbidden|\(403\)|cannot tell which user/i)
    } finally {
      await webhooks.remove()
    }
  })

  // The runs above prove the role is enough; these prove it is no more than that, as the API
  // server's authorizer answers for the service's account (its groups included).
  it.each([
    // What the service does (so the reviews below can say yes at all).
    [true, 'list', 'spiderpool.spidernet.io', 'spiderippools', '', ''],
    [true, 'update', 'spiderpool.spidernet.io', 'spiderippools/status', '', 'any-pool'],
    // Auto pools are made and deleted with their applications.
    [true, 'create', 'spiderpool.spidernet.io', 'spiderippools', '', ''],
    [true, 'delete', 'spiderpool.spidernet.io', 'spiderippools', '', 'any-pool'],
    [true, 'get', '', 'secrets', SYSTEM_NS, 'spinneret-webhook-tls'],
    [true, 'update', '', 'configmaps', SYSTEM_NS, 'spinneret-ip-claims'],
    // What it never does.
    [false, 'list', '', 'secrets', '', ''],
    [false, 'get', '', 'secrets', 'kube-system', 'anything'],
    [false, 'get', '', 'secrets', SYSTEM_NS, 'another-secret'],
    [false, 'list', '', 'secrets', SYSTEM_NS, ''],
    [false, 'update', '', 'configmaps', SYSTEM_NS, 'another-configmap'],
    [false, 'get', '', 'configmaps', 'kube-system', 'kube-proxy'],
    [false, 'create', '', 'pods', 'default', ''],
    [false, 'delete', '', 'pods', 'default', 'web-0'],
    [false, 'update', '', 'pods', 'default', 'web-0'],
    [false, 'create', '', 'pods/exec', 'default', 'web-0'],
    [false, 'patch', '', 'nodes', '', 'worker-node-1'],
    [false, 'create', '', 'serviceaccounts/token', SYSTEM_NS, 'spinneret'],
    [false, 'delete', 'spiderpool.spidernet.io', 'spidersubnets', '', 'any-subnet'],
    [false, 'update', 'spiderpool.spidernet.io', 'spiderreservedips', '', 'any-reservation'],
    [false, 'update', 'admissionregistration.k8s.io', 'validatingwebhookconfigurations', '', 'another-webhook'],
    [false, 'create', 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations', '', ''],
    [false, 'create', 'rbac.authorization.k8s.io', 'clusterrolebindings', '', ''],
    [false, 'escalate', 'rbac.authorization.k8s.io', 'clusterroles', '', 'spinneret'],
    [false, 'bind', 'rbac.authorization.k8s.io', 'clusterroles', '', 'cluster-admin'],
    [false, 'impersonate', '', 'users', '', 'admin'],
    [false, '*', '*', '*', '', ''],
  ] as const)('the account may %s: %s %s/%s in %j named %j', async (allowed, verb, group, resource, namespace, name) => {
    const [plain, subresource] = resource.split('/')
    const review = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${SYSTEM_NS}:spinneret`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${SYSTEM_NS}`, 'system:authenticated'],
          resourceAttributes: {
            verb,
            group,
            resource: plain,
            ...(subresource ? { subresource } : {}),
            ...(namespace ? { namespace } : {}),
            ...(name ? { name } : {}),
          },
        },
      },
    })
    expect(review.status?.allowed ?? false, review.status?.reason ?? '').toBe(allowed)
  })

  it('is the only credential the DaemonSet gives the service, with no privilege to get another', () => {
    const daemonset = k8s.loadYaml<k8s.V1DaemonSet>(readFileSync('manifests/deploy/daemonset.yaml', 'utf8'))
    const pod = daemonset.spec!.template.spec!
    expect(pod.serviceAccountName).toBe('spinneret')
    expect(pod.hostPID ?? false).toBe(false)
    expect(pod.hostIPC ?? false).toBe(false)
    // Two host paths: the CNI bin dir (the init container writes the plugin) and the socket dir.
    // No kubeconfig, kubelet or containerd directory, no other Secret or projected token.
    expect(pod.volumes?.map((v) => [v.name, v.hostPath?.path, Object.keys(v).sort().join(',')])).toEqual([
      ['cni-bin', '/opt/cni/bin', 'hostPath,name'],
      ['ipam-socket', '/var/run/spidernet', 'hostPath,name'],
    ])
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(container.env?.map((e) => e.name) ?? [], container.name).not.toContain('KUBECONFIG')
      expect(container.envFrom ?? [], container.name).toEqual([])
      const context = container.securityContext
      expect(context?.privileged ?? false, container.name).toBe(false)
      expect(context?.allowPrivilegeEscalation, container.name).toBe(false)
      expect(context?.readOnlyRootFilesystem, container.name).toBe(true)
      expect(context?.capabilities, container.name).toEqual({ drop: ['ALL'] })
    }
  })
})
