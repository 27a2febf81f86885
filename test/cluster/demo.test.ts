// `npm run demo` as a user runs it, on the local cluster of the test run (which it reuses and
// must leave running): what it prints, that the seed's pods come from the real DaemonSet
// controller and runtime, and that it leaves nothing of the seed behind. A machine that lacks a
// prerequisite fails here with the demo's own message naming what to install.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { prerequisiteProblems, readMachineFacts, type MachineFacts } from '../../scripts/demo/prerequisites.ts'
import { RECORD_PATH } from '../../scripts/demo/record.ts'
import { poolRecords, readPool } from '../support/cluster.ts'
import { clusterKubeConfig, eventually, kubectl, runningPods } from '../support/local-cluster.ts'

const root = resolve(import.meta.dirname, '../..')
const RUN_TIMEOUT_MS = 300_000
const kc = clusterKubeConfig()
const core = kc.makeApiClient(k8s.CoreV1Api)

interface DemoRun {
  code: number | null
  stdout: string
  output: string
}

/** Runs `tsx scripts/demo.ts` (what `npm run demo` runs) to its end. */
function runDemo(...args: string[]): Promise<DemoRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let output = ''
    child.stdout.on('data', (d: Buffer) => ((stdout += d), (output += d)))
    child.stderr.on('data', (d: Buffer) => (output += d))
    // SIGINT, as Ctrl-C: the demo still cleans up what it made.
    const timer = setTimeout(() => child.kill('SIGINT'), RUN_TIMEOUT_MS - 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, output })
    })
  })
}

/** The pods' table (`kubectl get po -o wide`) the demo printed: name -> {ip, node}. */
const podTable = (stdout: string) =>
  new Map(
    [...stdout.matchAll(/^(test-app-[a-z0-9]{5})\s+1\/1\s+Running\s+\d+\s+\S+\s+(\d+\.\d+\.\d+\.\d+)\s+(\S+)/gm)].map((m) => [
      m[1]!,
      { ip: m[2]!, node: m[3]! },
    ]),
  )

function expectScenarioShown(stdout: string): Map<string, { ip: string; node: string }> {
  expect(stdout).toMatch(/^\$ kubectl get nodes -o wide$/m)
  expect(stdout).toMatch(/^controller-node-1\s+Ready\s+control-plane\s+\S+\s+v1\.35\.4\s+10\.6\.168\.71\s/m)
  expect(stdout).toMatch(/^worker-node-1\s+Ready\s+<none>\s+\S+\s+v1\.35\.4\s+10\.7\.168\.73\s/m)
  expect(stdout).toMatch(/^\$ kubectl apply -f manifests\/examples\/seed\/10-subnets\.yaml$/m)

  expect(stdout).toMatch(/^\$ kubectl get spidersubnet/m)
  expect(stdout).toMatch(/^NAME\s+VERSION\s+SUBNET\s+ALLOCATED-IP-COUNT\s+TOTAL-IP-COUNT$/m)
  expect(stdout).toMatch(/^subnet-6\s+4\s+10\.6\.0\.0\/16\s+\d+\s+10$/m)
  expect(stdout).toMatch(/^subnet-7\s+4\s+10\.7\.0\.0\/16\s+\d+\s+10$/m)

  expect(stdout).toMatch(/^\$ kubectl apply -f manifests\/examples\/seed\/50-test-app\.yaml\ndaemonset\.apps\/test-app created$/m)
  expect(stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/m)
  const pods = podTable(stdout)
  expect([...pods.values()].map((p) => p.node).sort()).toEqual(['controller-node-1', 'worker-node-1'])
  for (const { ip, node } of pods.values()) {
    expect(ip).toMatch(node === 'controller-node-1' ? /^10\.6\.168\.6\d$/ : /^10\.7\.168\.6\d$/)
  }

  expect(stdout).toMatch(/^NAME\s+VERSION\s+SUBNET\s+ALLOCATED-IP-COUNT\s+TOTAL-IP-COUNT\s+DEFAULT\s+DISABLE$/m)
  expect(stdout).toMatch(/^test-ippool-6\s+4\s+10\.6\.0\.0\/16\s+1\s+10\s+false\s+false$/m)
  expect(stdout).toMatch(/^test-ippool-7\s+4\s+10\.7\.0\.0\/16\s+1\s+10\s+false\s+false$/m)

  expect(stdout).toMatch(/^\$ kubectl exec test-app-[a-z0-9]{5} -- ping -c 2 10\.7\.168\.6\d$/m)
  expect(stdout).toMatch(/2 packets transmitted, 2 packets received, 0% packet loss/)
  expect(stdout).toMatch(/ttl=63/)
  expect(stdout).toMatch(/every pod Running \d+\.\d s after kubectl apply/)
  return pods
}

async function expectSeedGone(pods: Iterable<string>): Promise<void> {
  expect(existsSync(RECORD_PATH), `${RECORD_PATH} left behind`).toBe(false)
  for (const name of pods) {
    await expect(core.readNamespacedPod({ namespace: 'default', name }), `pod ${name} left behind`).rejects.toMatchObject({ code: 404 })
  }
  for (const kind of ['spiderippool', 'spidersubnet']) {
    expect((await kubectl(['get', kind, '-o', 'name'])).trim(), `${kind}s left behind`).not.toMatch(/test-ippool|subnet-[67]/)
  }
  expect((await kubectl(['get', 'daemonset', 'test-app', '--ignore-not-found'])).trim()).toBe('')
  // The cluster was the test run's: it stays, with Spinneret on it.
  await runningPods(kc, 'spinneret-system', 'app.kubernetes.io/name=spinneret', 2)
}

describe('npm run demo', () => {
  beforeAll(() => {
    // The demo would say the same; saying it here names the cause before a long run.
    const problems = prerequisiteProblems(readMachineFacts())
    expect(problems, `the demo cannot run on this machine:\n- ${problems.join('\n- ')}`).toEqual([])
  })

  it(
    "shows the seed scenario on the real cluster: nodes, tables, pod IPs in their nodes' subnets, a ping across zones; then removes the seed",
    async () => {
      const run = await runDemo()
      expect(run.code, run.output).toBe(0)
      const pods = expectScenarioShown(run.stdout)
      expect(run.stdout).toMatch(/^==> summary$/m)
      expect(run.stdout).toMatch(/reused the running one/) // the test run's cluster: it must stay up
      await expectSeedGone(pods.keys())
    },
    RUN_TIMEOUT_MS,
  )

  it(
    '--keep leaves the seed up; a deleted pod is replaced by the DaemonSet and released by its kubelet; --cleanup removes it all',
    async () => {
      const kept = await runDemo('--keep')
      expect(kept.code, kept.output).toBe(0)
      const pods = expectScenarioShown(kept.stdout)
      try {
        expect(kept.stdout).toContain(`export KUBECONFIG=${inject('clusterKubeconfig')}`)
        expect(kept.stdout).toContain('npm run demo -- --cleanup')

        // The pods are the DaemonSet controller's.
        const daemonSet = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ namespace: 'default', name: 'test-app' })
        for (const [name, { ip, node }] of pods) {
          const pod = await core.readNamespacedPod({ namespace: 'default', name })
          expect(pod.metadata?.ownerReferences).toEqual([
            expect.objectContaining({ kind: 'DaemonSet', name: 'test-app', uid: daemonSet.metadata?.uid, controller: true }),
          ])
          expect(pod.spec?.nodeName).toBe(node)
          expect(pod.status?.podIP).toBe(ip)
        }

        // The printed ping command works after the demo has exited.
        const command = /^\s+kubectl exec (\S+) -- ping -c 3 (\S+)$/m.exec(kept.stdout)
        expect(command, 'no ping command printed').not.toBeNull()
        expect(await kubectl(['exec', command![1]!, '--', 'ping', '-c', '1', '-W', '5', command![2]!])).toMatch(/1 packets received, 0% packet loss/)

        // Delete the pod on zone 7: the DaemonSet controller replaces it, the new pod gets an
        // address of test-ippool-7, and the old pod's record goes (its kubelet's CNI DEL).
        const [oldName] = [...pods].find(([, p]) => p.node === 'worker-node-1')!
        const oldUid = (await core.readNamespacedPod({ namespace: 'default', name: oldName })).metadata?.uid
        await kubectl(['delete', 'pod', oldName, '--grace-period=1', '--wait=true'], { timeoutMs: 90_000 })
        const replacement = await eventually('the replacement pod Running on worker-node-1', async () => {
          const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=test-app', fieldSelector: 'spec.nodeName=worker-node-1' })
          return list.items.find((p) => p.metadata?.name !== oldName && p.status?.phase === 'Running' && p.status.podIP)
        })
        const records = poolRecords(await readPool(kc, 'test-ippool-7'))
        expect(Object.values(records).map((r) => r.podUid)).toEqual([replacement.metadata?.uid])
        expect(Object.values(records).map((r) => r.podUid)).not.toContain(oldUid)
        expect(replacement.status?.podIP).toMatch(/^10\.7\.168\.6\d$/)
        expect(records[replacement.status!.podIP!]).toMatchObject({ pod: `default/${replacement.metadata?.name}` })
      } finally {
        const cleanup = await runDemo('--cleanup')
        expect(cleanup.code, cleanup.output).toBe(0)
      }
      await expectSeedGone(pods.keys())
    },
    2 * RUN_TIMEOUT_MS,
  )
})

describe('demo prerequisites', () => {
  const everything: MachineFacts = {
    root: true,
    commands: new Set(['kubectl']),
    binariesBuilt: false,
    goVersion: 'go version go1.26.8 linux/amd64',
    goRequired: [1, 25],
  }

  it('has nothing to say when all is there', () => {
    expect(prerequisiteProblems(everything)).toEqual([])
  })

  it.each([
    ['Go', { goVersion: undefined }, 'install Go >= 1.25'],
    ['a new enough Go', { goVersion: 'go version go1.24.3 linux/amd64' }, 'go1.24 is too old to build the Kubernetes binaries: install Go >= 1.25'],
    ['root', { root: false }, 'run it as root'],
    ['kubectl', { commands: new Set<string>() }, 'install it, https://kubernetes.io/docs/tasks/tools/'],
  ] as const)('names what installs a missing %s', (_what, missing, says) => {
    const problems = prerequisiteProblems({ ...everything, ...missing } as MachineFacts)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(says)
  })

  it('needs no Go once the binaries are built', () => {
    expect(prerequisiteProblems({ ...everything, binariesBuilt: true, goVersion: undefined })).toEqual([])
  })
})
