// The admission webhooks registered against the test API server by URL (it runs on this machine),
// served by the real service, scoped so that test files which do not ask for them never meet them.
import { spawnSync } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import * as k8s from '@kubernetes/client-node'
import { applyManifests } from './cluster.ts'
import { startService, type RunningService } from './service.ts'

const KINDS = [
  ['spiderippool', 'spiderippools'],
  ['spidersubnet', 'spidersubnets'],
  ['spiderreservedip', 'spiderreservedips'],
] as const

/** A loopback TCP port free a moment ago. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })

export interface Webhooks {
  /** Label every object of the test must carry for the webhooks to judge it. */
  label: Record<string, string>
  service: RunningService
  /** Stops the service, then removes the configurations and the Secret it made. */
  remove: () => Promise<void>
}

const webhooksOf = (action: 'validate' | 'mutate', port: number, label: Record<string, string>) =>
  KINDS.map(([kind, plural]) => ({
    name: `${kind}.${action}.spinneret.spidernet.io`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 10,
    // Only this test file's objects: a configuration left behind by a crash stops nobody else.
    objectSelector: { matchLabels: label },
    clientConfig: { url: `https://127.0.0.1:${port}/${action}/${kind}` },
    rules: [{ apiGroups: ['spiderpool.spidernet.io'], apiVersions: ['v2beta1'], operations: ['CREATE', 'UPDATE'], resources: [plural], scope: 'Cluster' }],
  }))

/**
 * Applies the CRDs, registers the Validating- and MutatingWebhookConfiguration `name` by URL
 * without a caBundle, starts the service with its webhooks on a free port, and waits until the
 * service has put its CA into both configurations and the API server calls the webhooks.
 */
export async function startWebhooks(
  kc: k8s.KubeConfig,
  name: string,
  env: Record<string, string> = {},
  runtime: 'node' | 'deno' = 'node',
  /** The label the judged objects carry; default `spinneret.test/webhooks: <name>`. */
  label: Record<string, string> = { 'spinneret.test/webhooks': name },
): Promise<Webhooks> {
  await applyManifests(kc, 'manifests/crds')
  const api = kc.makeApiClient(k8s.AdmissionregistrationV1Api)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const port = await freePort()
  const secret = env.WEBHOOK_TLS_SECRET ?? `${name}-tls`
  // What a crashed run of the same test left behind.
  await api.deleteValidatingWebhookConfiguration({ name }).catch(ignoreNotFound)
  await api.deleteMutatingWebhookConfiguration({ name }).catch(ignoreNotFound)
  await api.createValidatingWebhookConfiguration({ body: { metadata: { name }, webhooks: webhooksOf('validate', port, label) as k8s.V1ValidatingWebhook[] } })
  await api.createMutatingWebhookConfiguration({ body: { metadata: { name }, webhooks: webhooksOf('mutate', port, label) as k8s.V1MutatingWebhook[] } })
  const service = await startService(
    {
      WEBHOOK_PORT: String(port),
      WEBHOOK_CERT_HOSTS: '127.0.0.1',
      WEBHOOK_CONFIGURATION: name,
      WEBHOOK_TLS_SECRET: secret,
      ...env,
    },
    runtime,
  )
  const remove = async () => {
    await service.stop()
    await api.deleteValidatingWebhookConfiguration({ name }).catch(ignoreNotFound)
    await api.deleteMutatingWebhookConfiguration({ name }).catch(ignoreNotFound)
    await core.deleteNamespacedSecret({ namespace: env.SERVICE_NAMESPACE ?? 'kube-system', name: secret }).catch(ignoreNotFound)
  }
  try {
    await until(`the service to set the caBundle of ${name}`, service, async () => {
      const [validating, mutating] = await Promise.all([api.readValidatingWebhookConfiguration({ name }), api.readMutatingWebhookConfiguration({ name })])
      return [...(validating.webhooks ?? []), ...(mutating.webhooks ?? [])].every((w) => (w.clientConfig.caBundle ?? '') !== '')
    })
    // The API server picks configurations up through an informer: a dry run shows when it calls them.
    await until('the API server to call the webhooks', service, async () => {
      const refused = await dryRunPool(kc, label).then(
        () => false,
        (e: unknown) => String(e).includes('denied the request'),
      )
      return refused
    })
  } catch (e) {
    await remove()
    throw e
  }
  return { label, service, remove }
}

const ignoreNotFound = (e: unknown) => {
  if (!(e instanceof k8s.ApiException) || e.code !== 404) throw e
}

// A pool only the webhooks refuse (the schema admits a non-canonical subnet).
const dryRunPool = (kc: k8s.KubeConfig, labels: Record<string, string>) =>
  kc.makeApiClient(k8s.CustomObjectsApi).createClusterCustomObject({
    group: 'spiderpool.spidernet.io',
    version: 'v2beta1',
    plural: 'spiderippools',
    dryRun: 'All',
    body: {
      apiVersion: 'spiderpool.spidernet.io/v2beta1',
      kind: 'SpiderIPPool',
      metadata: { name: 'webhook-probe', labels },
      spec: { subnet: '192.0.2.1/24' },
    },
  })

async function until(what: string, service: RunningService, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; service output:\n${service.output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

export interface KubectlResult {
  status: number | null
  stdout: string
  /** Without the API server's warnings, which are in `warnings`. */
  stderr: string
  warnings: string[]
}

/** `kubectl` against the test API server (KUBECONFIG comes from the global setup), YAML on stdin. */
export function kubectl(args: readonly string[], stdin?: string): KubectlResult {
  const result = spawnSync('kubectl', args, { input: stdin, encoding: 'utf8', env: process.env, timeout: 30_000 })
  if (result.error) throw new Error(`kubectl failed to run (install kubectl): ${result.error.message}`)
  // The API server warns that Spiderpool's finalizer name has no path; it is Spiderpool's to keep.
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '')
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: lines.filter((line) => !line.startsWith('Warning: ')).join('\n'),
    warnings: lines.filter((line) => line.startsWith('Warning: ')),
  }
}
