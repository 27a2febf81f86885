import { parseSpiderIPPool, type SpiderIPPool } from '../../shared/api/index.ts'
import { MemoryStore } from '../../shared/store/memory-store.ts'
import type { PodView } from '../../shared/api/views.ts'
import type { Deps } from './deps.ts'
import { PoolWriter, type PoolWriterOptions } from './pool-writer.ts'

/** A pool as a user would write it, parsed the way the store hands it out. */
export const ipPool = (name: string, spec: Record<string, unknown>): SpiderIPPool => parseSpiderIPPool({ metadata: { name }, spec })

/** The seed scenario's two zones: one node, one pool of ten addresses each. */
export function seedStore(): MemoryStore {
  const store = new MemoryStore()
  store.putNamespace({ name: 'default', labels: {}, annotations: {} })
  store.putNode({ name: 'controller-node-1', labels: { 'node-subnet': 'subnet-6' }, ready: true })
  store.putNode({ name: 'worker-node-1', labels: { 'node-subnet': 'subnet-7' }, ready: true })
  for (const zone of [6, 7]) {
    store.putPool(
      ipPool(`test-ippool-${zone}`, {
        subnet: `10.${zone}.0.0/16`,
        ips: [`10.${zone}.168.61-10.${zone}.168.70`],
        gateway: `10.${zone}.0.1`,
        nodeAffinity: { matchLabels: { 'node-subnet': `subnet-${zone}` } },
      }),
    )
  }
  return store
}

let uid = 0
export const pod = (name: string, nodeName: string, extra: Partial<PodView> = {}): PodView => ({
  namespace: 'default',
  name,
  uid: `uid-${name}-${++uid}`,
  nodeName,
  labels: { app: 'test-app' },
  annotations: { 'ipam.spidernet.io/ippool': '{"ipv4": ["test-ippool-6", "test-ippool-7"]}' },
  ownerReferences: [],
  phase: 'Running',
  ...extra,
})

export const depsFor = (store: MemoryStore, options: PoolWriterOptions = {}): Deps => ({
  store,
  poolWriter: new PoolWriter(store, { retry: { sleep: async () => {} }, ...options }),
  config: { systemNamespace: 'kube-system' },
})

export const addRequest = (p: PodView, ifName = 'eth0') => ({
  containerID: `ctr-${p.uid}`,
  ifName,
  netNamespace: `/var/run/netns/${p.name}`,
  podNamespace: p.namespace,
  podName: p.name,
  podUID: p.uid,
})
