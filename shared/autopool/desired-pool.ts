import { ANNOTATION, API_VERSION, FINALIZER, KIND, LABEL, LABEL_VALUE_IP_VERSION, type SpiderIPPool, type SpiderSubnet } from '../api/index.ts'
import { cidrLabelValue } from '../admission/mutate-common.ts'
import { appLabels } from '../select/app-labels.ts'
import { applicationLabelGV, type AutoPoolApp } from './application.ts'
import type { AutoPoolIntent, AutoPoolWant } from './intent.ts'

/**
 * The labels of an application's auto pool, as Spiderpool sets them: the subnet, the application
 * (group-version, kind, namespace, name, UID), the NIC, the family, whether it is reclaimed, and
 * the CIDR.
 */
export const autoPoolLabels = (app: AutoPoolApp, want: AutoPoolWant, subnet: SpiderSubnet, reclaim: boolean): Record<string, string> => ({
  [LABEL.ownerSpiderSubnet]: subnet.metadata.name,
  [LABEL.ownerApplicationGV]: applicationLabelGV(app.apiVersion),
  [LABEL.ownerApplicationKind]: app.kind,
  [LABEL.ownerApplicationNamespace]: app.namespace,
  [LABEL.ownerApplicationName]: app.name,
  [LABEL.ownerApplicationUID]: app.uid,
  [LABEL.interface]: want.nic,
  [LABEL.ippoolReclaim]: String(reclaim),
  [LABEL.ipVersion]: want.family === 4 ? LABEL_VALUE_IP_VERSION.v4 : LABEL_VALUE_IP_VERSION.v6,
  [LABEL.ippoolCIDR]: cidrLabelValue(subnet.spec.subnet),
})

/** A podAffinity that matches the application's pods and nobody else's (matched against the pod's top controller). */
export const autoPoolPodAffinity = (app: AutoPoolApp) => ({ matchLabels: { ...appLabels(app) } })

/**
 * A new auto pool: the subnet's CIDR, gateway and routes, the addresses reserved for it, the
 * labels and podAffinity above, Spiderpool's finalizer, and the subnet as controller owner (as
 * Spiderpool sets it; the application is named by the labels, so deleting the subnet, not the
 * application, is what the garbage collector follows).
 */
export function newAutoPool(args: {
  name: string
  app: AutoPoolApp
  want: AutoPoolWant
  intent: Pick<AutoPoolIntent, 'reclaim' | 'ipNumber'>
  subnet: SpiderSubnet
  ips: readonly string[]
}): SpiderIPPool {
  const { name, app, want, intent, subnet } = args
  return {
    metadata: {
      name,
      labels: autoPoolLabels(app, want, subnet, intent.reclaim),
      annotations: { [ANNOTATION.ippoolIPNumber]: intent.ipNumber },
      finalizers: [FINALIZER],
      ownerReferences: subnet.metadata.uid
        ? [{ apiVersion: API_VERSION, kind: KIND.subnet, name: subnet.metadata.name, uid: subnet.metadata.uid, controller: true, blockOwnerDeletion: true }]
        : [],
    },
    spec: {
      ipVersion: want.family,
      subnet: subnet.spec.subnet,
      ips: [...args.ips],
      gateway: subnet.spec.gateway,
      routes: subnet.spec.routes,
      podAffinity: autoPoolPodAffinity(app),
      default: false,
      disable: false,
    },
    status: {},
  }
}

/**
 * An existing auto pool with the labels, annotation and podAffinity its (current) application
 * gives it: a pool kept by `ippool-reclaim: "false"` and taken over by a successor gets the
 * successor's UID; a changed `ippool-reclaim` or `ippool-ip-number` shows. Undefined when nothing
 * differs.
 */
export function withAutoPoolMetadata(
  pool: SpiderIPPool,
  args: { app: AutoPoolApp; want: AutoPoolWant; intent: Pick<AutoPoolIntent, 'reclaim' | 'ipNumber'>; subnet: SpiderSubnet },
): SpiderIPPool | undefined {
  const labels = { ...pool.metadata.labels, ...autoPoolLabels(args.app, args.want, args.subnet, args.intent.reclaim) }
  const annotations = { ...pool.metadata.annotations, [ANNOTATION.ippoolIPNumber]: args.intent.ipNumber }
  const podAffinity = autoPoolPodAffinity(args.app)
  const same =
    JSON.stringify(sorted(labels)) === JSON.stringify(sorted(pool.metadata.labels ?? {})) &&
    JSON.stringify(sorted(annotations)) === JSON.stringify(sorted(pool.metadata.annotations ?? {})) &&
    pool.spec.podAffinity?.matchExpressions === undefined &&
    JSON.stringify(sorted(pool.spec.podAffinity?.matchLabels ?? {})) === JSON.stringify(sorted(podAffinity.matchLabels))
  if (same) return undefined
  return { ...pool, metadata: { ...pool.metadata, labels, annotations }, spec: { ...pool.spec, podAffinity } }
}

const sorted = (record: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
