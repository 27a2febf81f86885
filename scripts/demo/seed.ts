/**
 * The scenario as the demo reads it from manifests/examples/seed: which nodes, subnets, pools and
 * DaemonSet to play with. The YAML is the one source; the demo hard-codes no name or address.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { REPO_ROOT } from '../build-cni.ts'

export const SEED_DIR = join(REPO_ROOT, 'manifests', 'examples', 'seed')
export const CRD_DIR = join(REPO_ROOT, 'manifests', 'crds')
/** The node label naming the node's zone, whose value is the zone's SpiderSubnet. */
export const ZONE_LABEL = 'node-subnet'

export interface Seed {
  readonly nodes: string[]
  readonly subnets: string[]
  readonly pools: string[]
  readonly daemonSet: { readonly namespace: string; readonly name: string }
  /** Kind -> names (`namespace/name` when namespaced), in apply order. */
  readonly objects: Map<string, string[]>
}

export function readSeed(): Seed {
  const objects = readdirSync(SEED_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => k8s.loadAllYaml(readFileSync(join(SEED_DIR, f), 'utf8')) as k8s.KubernetesObject[])
  const named = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata?.name ?? '')
  const daemonSets = objects.filter((o) => o.kind === 'DaemonSet')
  if (daemonSets.length !== 1) throw new Error(`${SEED_DIR}: expected one DaemonSet, found ${daemonSets.length}`)
  const [daemonSet] = daemonSets as [k8s.KubernetesObject]
  return {
    nodes: named('Node'),
    subnets: named('SpiderSubnet'),
    pools: named('SpiderIPPool'),
    daemonSet: { namespace: daemonSet.metadata?.namespace ?? 'default', name: daemonSet.metadata?.name ?? '' },
    objects: objects.reduce((byKind, o) => {
      const name = `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? ''}`
      return byKind.set(o.kind ?? '?', [...(byKind.get(o.kind ?? '?') ?? []), name])
    }, new Map<string, string[]>()),
  }
}
