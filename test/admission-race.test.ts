// Two pools with overlapping addresses created at the same moment: admission reads the cluster a
// moment before each create is stored, so both may pass it. The claim registry is what keeps
// them from both handing out addresses. Many rounds against the real API server: each creates
// overlapping pools at once, then allocates from every admitted one at once through separate
// pool writers (as separate service replicas would); no round may show an address handed out by
// two pools, nor two pools handing out at all.
import * as k8s from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GROUP, VERSION, parseAllocatedIPs } from '../shared/api/index.ts'
import { KubeStore } from '../shared/kube/kube-store.ts'
import { PoolClaims } from '../functions/lib/pool-claims.ts'
import { PoolWriter } from '../functions/lib/pool-writer.ts'
import { deleteClusterObjects, kubeConfig, unique } from './support/cluster.ts'
import { startWebhooks, type Webhooks } from './support/webhooks.ts'

const ROUNDS = 30
const POOLS = 3
const kc = kubeConfig()
const custom = kc.makeApiClient(k8s.CustomObjectsApi)
const run = unique('race')
const created: string[] = []
let webhooks: Webhooks

const random = (n: number) => Math.floor(Math.random() * n)
const v4net = [64 + random(63), random(200)] as const
const v6net = random(0xffff).toString(16)

/** Round r's pools: one subnet, overlapping ranges (IPv4 and IPv6 rounds alternate). */
const spec = (round: number, i: number) => {
  if (round % 2 === 0) {
    const net = `100.${v4net[0]}.${(v4net[1] + round) % 256}`
    return { subnet: `${net}.0/24`, ips: [`${net}.${10 + i}-${net}.${30 + i}`] }
  }
  const net = `2001:db8:${v6net}:${round}`
  return { subnet: `${net}::/64`, ips: [`${net}::${10 + i}-${net}::${30 + i}`] }
}

const create = (name: string, body: Record<string, unknown>) =>
  custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'spiderippools',
    body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'SpiderIPPool', metadata: { name, labels: webhooks.label }, spec: body },
  })

const exists = (name: string) =>
  custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'spiderippools', name }).then(
    () => true,
    (e: unknown) => {
      if (e instanceof k8s.ApiException && e.code === 404) return false
      throw e
    },
  )

beforeAll(async () => {
  webhooks = await startWebhooks(kc, run, { RESYNC_SECONDS: '3600' })
}, 120_000)

afterAll(async () => {
  await webhooks?.remove()
  await deleteClusterObjects(kc, 'spiderippools', created)
  // The pools are gone: so go their claims, as the service's periodic prune would drop them.
  const store = KubeStore.fromKubeConfig(kc)
  await new PoolClaims(store).prune()
  expect(Object.values((await store.getClaims()).claims).filter((claim) => claim.pool.startsWith(run))).toEqual([])
})

describe('overlapping pools created at the same moment', () => {
  it(`never hand out from two pools, over ${ROUNDS} rounds of ${POOLS}`, async () => {
    let doubleAdmissions = 0
    for (let round = 0; round < ROUNDS; round++) {
      const names = Array.from({ length: POOLS }, (_, i) => `${run}-${round}-${i}`)
      const creates = await Promise.allSettled(names.map((name, i) => create(name, spec(round, i))))
      const admitted = names.filter((_, i) => creates[i]?.status === 'fulfilled')
      created.push(...admitted)
      for (const [i, outcome] of creates.entries()) {
        if (outcome.status === 'fulfilled') continue
        expect(String((outcome.reason as k8s.ApiException<string>).body)).toMatch(/overlap with IPPool/)
        expect(await exists(names[i] as string)).toBe(false)
      }
      expect(admitted.length).toBeGreaterThanOrEqual(1)
      if (admitted.length > 1) doubleAdmissions++

      // One writer per pool and per "replica", each with its own connection to the API server.
      const outcomes = await Promise.all(
        admitted.flatMap((name) =>
          [0, 1].map((n) =>
            new PoolWriter(KubeStore.fromKubeConfig(kc), { retry: { attempts: 20 } }).assign(name, {
              pod: `race/${name}-${n}`,
              podUid: `${name}-${n}`,
              nic: 'eth0',
            }),
          ),
        ),
      )
      const store = KubeStore.fromKubeConfig(kc)
      const holding = new Map<string, string>()
      let pools = 0
      for (const name of admitted) {
        const pool = await store.getPool(name)
        const ips = Object.keys(parseAllocatedIPs(pool?.status.allocatedIPs, name))
        if (ips.length > 0) pools++
        for (const ip of ips) {
          expect(holding.get(ip), `round ${round}: ${ip} handed out by ${holding.get(ip)} and ${name}`).toBeUndefined()
          holding.set(ip, name)
        }
      }
      expect(pools, `round ${round}: pools handing out`).toBe(1)
      const refused = outcomes.filter((o) => !o.ok)
      expect(refused).toHaveLength((admitted.length - 1) * 2)
      for (const outcome of refused)
        expect(outcome).toMatchObject({ reason: 'unavailable', why: expect.stringMatching(/overlaps IPPool .* which .* claimed first$/) })
    }
    // What admission alone let through, for the README: how often the claim registry was needed.
    console.info(
      `admission race: ${doubleAdmissions} of ${ROUNDS} rounds admitted more than one of ${POOLS} overlapping pools; 0 rounds handed out from more than one`,
    )
  }, 180_000)
})
