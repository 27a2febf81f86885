/**
 * The scenario as the demo reads it from manifests/examples/seed: which subnets, pools and
 * DaemonSet to show. The YAML is the one source; the demo hard-codes no name or address.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { REPO_ROOT } from '../control-plane/build.ts'

export const SEED_DIR = join(REPO_ROOT, 'manifests', 'examples', 'seed')

export interface SeedFile {
  readonly path: string
  readonly objects: k8s.KubernetesObject[]
}

export interface Seed {
  /** The files to apply before the application, in name order (Node objects excluded: on a real
   *  cluster the kubelets register the nodes). */
  readonly setup: SeedFile[]
  /** The file with the application's DaemonSet, applied last. */
  readonly app: SeedFile
  readonly subnets: string[]
  readonly pools: string[]
  readonly daemonSet: { readonly namespace: string; readonly name: string; readonly labels: Record<string, string> }
}

export function readSeed(): Seed {
  const files = readdirSync(SEED_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: join(SEED_DIR, f), objects: k8s.loadAllYaml(readFileSync(join(SEED_DIR, f), 'utf8')) as k8s.KubernetesObject[] }))
  const all = files.flatMap((f) => f.objects)
  const named = (kind: string) => all.filter((o) => o.kind === kind).map((o) => o.metadata?.name ?? '')
  const apps = files.filter((f) => f.objects.some((o) => o.kind === 'DaemonSet'))
  if (apps.length !== 1 || apps[0]!.objects.length !== 1) throw new Error(`${SEED_DIR}: expected one file holding just the DaemonSet`)
  const app = apps[0]!
  const daemonSet = app.objects[0] as k8s.V1DaemonSet
  return {
    setup: files.filter((f) => f !== app && f.objects.every((o) => o.kind !== 'Node')),
    app,
    subnets: named('SpiderSubnet'),
    pools: named('SpiderIPPool'),
    daemonSet: {
      namespace: daemonSet.metadata?.namespace ?? 'default',
      name: daemonSet.metadata?.name ?? '',
      labels: daemonSet.spec?.selector.matchLabels ?? {},
    },
  }
}

/** An object as the record names it: kubectl's `-o name` form (`kind.group/name`) and its namespace. */
export interface ObjectRef {
  readonly name: string
  readonly namespace?: string
}

export function refOf(o: k8s.KubernetesObject): ObjectRef {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : undefined
  return {
    name: `${(o.kind ?? '').toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name ?? ''}`,
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  }
}
