// `npm run demo` as a user runs it, against the control plane of the test run (which it reuses
// and must leave running): what it prints, and that it leaves nothing behind. A machine that
// lacks a prerequisite fails here with the demo's own message naming what to install.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as k8s from '@kubernetes/client-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { prerequisiteProblems, readMachineFacts, type MachineFacts } from '../scripts/demo/prerequisites.ts'
import { RECORD_PATH } from '../scripts/demo/record.ts'
import { kubeConfig, readPool } from './support/cluster.ts'

const root = resolve(import.meta.dirname, '..')
const POOLS = ['test-ippool-6', 'test-ippool-7']
const RUN_TIMEOUT_MS = 240_000

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

const namespacesLeft = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith('spndemo-'))

/** Running, not merely a zombie that init has yet to reap (the kept service's parent is gone). */
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}

/** The pods' table (NAME IP NODE) the demo printed: name -> {ip, node}. */
const podTable = (stdout: string) =>
  new Map([...stdout.matchAll(/^(test-app-[a-z0-9]{5})\s+(\d+\.\d+\.\d+\.\d+)\s+(\S+)$/gm)].map((m) => [m[1]!, { ip: m[2]!, node: m[3]! }]))

const servicePid = (stdout: string) => Number(/starting the IPAM service[^\n]*\n[^\n]*\bpid (\d+)/.exec(stdout)?.[1])

function expectScenarioShown(stdout: string): Map<string, { ip: string; node: string }> {
  expect(stdout).toMatch(/^\$ kubectl get spidersubnet/m)
  expect(stdout).toMatch(/^NAME\s+VERSION\s+SUBNET\s+ALLOCATED-IP-COUNT\s+TOTAL-IP-COUNT$/m)
  expect(stdout).toMatch(/^subnet-6\s+4\s+10\.6\.0\.0\/16\s+\d+\s+10$/m)
  expect(stdout).toMatch(/^subnet-7\s+4\s+10\.7\.0\.0\/16\s+\d+\s+10$/m)

  expect(stdout).toMatch(/^NAME\s+VERSION\s+SUBNET\s+ALLOCATED-IP-COUNT\s+TOTAL-IP-COUNT\s+DEFAULT\s+DISABLE$/m)
  expect(stdout).toMatch(/^test-ippool-6\s+4\s+10\.6\.0\.0\/16\s+1\s+10\s+false\s+false$/m)
  expect(stdout).toMatch(/^test-ippool-7\s+4\s+10\.7\.0\.0\/16\s+1\s+10\s+false\s+false$/m)

  expect(stdout).toMatch(/^NAME\s+IP\s+NODE$/m)
  const pods = podTable(stdout)
  expect([...pods.values()].map((p) => p.node).sort()).toEqual(['controller-node-1', 'worker-node-1'])
  for (const { ip, node } of pods.values()) {
    expect(ip).toMatch(node === 'controller-node-1' ? /^10\.6\.168\.6\d$/ : /^10\.7\.168\.6\d$/)
  }

  expect(stdout).toMatch(/(\d+) packets transmitted, \1 received, 0% packet loss/)
  expect(stdout).toMatch(/ttl=63/)
  return pods
}

async function expectNothingLeft(stdout: string, pods: Iterable<string>): Promise<void> {
  expect(namespacesLeft()).toEqual([])
  expect(existsSync(RECORD_PATH), `${RECORD_PATH} left behind`).toBe(false)
  const pid = servicePid(stdout)
  expect(pid).toBeGreaterThan(0)
  expect(alive(pid), `service pid ${pid} still running`).toBe(false)
  const kc = kubeConfig()
  for (const pool of POOLS) expect((await readPool(kc, pool)).status.allocatedIPCount ?? 0, pool).toBe(0)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  for (const name of pods) {
    const read = core.readNamespacedPod({ namespace: 'default', name })
    await expect(read, `pod ${name} left behind`).rejects.toMatchObject({ code: 404 })
  }
}

describe('npm run demo', () => {
  beforeAll(() => {
    // The demo would say the same; saying it here names the cause before a long run.
    const problems = prerequisiteProblems(readMachineFacts())
    expect(problems, `the demo cannot run on this machine:\n- ${problems.join('\n- ')}`).toEqual([])
  })

  it('shows the seed scenario: tables, pod IPs in their nodes\' subnets, a ping across zones; then leaves nothing', async () => {
    const run = await runDemo()
    expect(run.code, run.output).toBe(0)
    const pods = expectScenarioShown(run.stdout)
    expect(run.stdout).toMatch(/^==> summary$/m)
    expect(run.stdout).toMatch(/reused the running one/) // the test run's plane: it must stay up
    await expectNothingLeft(run.stdout, pods.keys())
  }, RUN_TIMEOUT_MS)

  it('--keep leaves the pods, their network and the service up, with how to use them; --cleanup removes it all', async () => {
    const kept = await runDemo('--keep')
    expect(kept.code, kept.output).toBe(0)
    const pods = expectScenarioShown(kept.stdout)
    try {
      expect(kept.stdout).toContain(`export KUBECONFIG=${process.env.KUBECONFIG}`)
      expect(kept.stdout).toContain('npm run demo -- --cleanup')
      expect(namespacesLeft().length).toBe(5) // router, two nodes, two pods
      expect(alive(servicePid(kept.stdout))).toBe(true)

      // The pods are the DaemonSet's, as its controller would have made them.
      const kc = kubeConfig()
      const daemonSet = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDaemonSet({ namespace: 'default', name: 'test-app' })
      for (const [name, { ip, node }] of pods) {
        const pod = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ namespace: 'default', name })
        expect(pod.metadata?.ownerReferences).toEqual([
          expect.objectContaining({ kind: 'DaemonSet', name: 'test-app', uid: daemonSet.metadata?.uid, controller: true }),
        ])
        expect(pod.metadata?.annotations).toMatchObject(daemonSet.spec?.template.metadata?.annotations ?? {})
        expect(pod.spec?.nodeName).toBe(node)
        expect(pod.status?.podIP).toBe(ip)
      }

      // The printed ping command works after the demo has exited.
      const command = /^\s+(ip netns exec \S+ ping -c 3 \S+)$/m.exec(kept.stdout)?.[1]
      expect(command, 'no ping command printed').toBeDefined()
      const [cmd, ...args] = command!.replace('-c 3', '-c 1 -w 10').split(' ')
      expect(execFileSync(cmd!, args, { encoding: 'utf8' })).toMatch(/1 received, 0% packet loss/)
    } finally {
      const cleanup = await runDemo('--cleanup')
      expect(cleanup.code, cleanup.output).toBe(0)
    }
    await expectNothingLeft(kept.stdout, pods.keys())
  }, 2 * RUN_TIMEOUT_MS)
})

describe('demo prerequisites', () => {
  const everything: MachineFacts = {
    root: true,
    commands: new Set(['ip', 'ping', 'kubectl']),
    macvlan: true,
    controlPlaneBuilt: false,
    goVersion: 'go version go1.26.8 linux/amd64',
    goRequired: [1, 25],
  }

  it('has nothing to say when all is there', () => {
    expect(prerequisiteProblems(everything)).toEqual([])
  })

  it.each([
    ['Go', { goVersion: undefined }, 'install Go >= 1.25'],
    ['a new enough Go', { goVersion: 'go version go1.24.3 linux/amd64' }, 'go1.24 is too old to build the control plane: install Go >= 1.25'],
    ['root', { root: false }, 'run it as root'],
    ['ip', { commands: new Set(['ping', 'kubectl']) }, 'apt-get install iproute2'],
    ['macvlan', { macvlan: false }, '/usr/lib/cni/macvlan not found: apt-get install containernetworking-plugins'],
    ['ping', { commands: new Set(['ip', 'kubectl']) }, 'apt-get install iputils-ping'],
    ['kubectl', { commands: new Set(['ip', 'ping']) }, 'install it, https://kubernetes.io/docs/tasks/tools/'],
  ] as const)('names what installs a missing %s', (_what, missing, says) => {
    const problems = prerequisiteProblems({ ...everything, ...missing } as MachineFacts)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(says)
  })

  it('needs no Go once the control plane is built', () => {
    expect(prerequisiteProblems({ ...everything, controlPlaneBuilt: true, goVersion: undefined })).toEqual([])
  })
})
