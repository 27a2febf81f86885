/**
 * What `npm run demo` needs from the machine, checked before it makes anything. The decision is a
 * pure function of the facts, so every missing piece and its message can be tested without a
 * machine that lacks it.
 *
 * @example
 * const problems = prerequisiteProblems(readMachineFacts())
 * if (problems.length > 0) throw new Error(problems.join('\n'))
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CACHE_DIR } from '../control-plane/control-plane.ts'
import { executable, onPath, referencePluginDir } from '../../test/support/underlay.ts'
import { REPO_ROOT } from '../build-cni.ts'

export interface MachineFacts {
  readonly root: boolean
  /** Commands found on PATH (or in the sbin/bin directories root usually has). */
  readonly commands: ReadonlySet<string>
  readonly macvlan: boolean
  /** kube-apiserver and etcd are built already: Go is only needed to build them. */
  readonly controlPlaneBuilt: boolean
  /** `go version` output, when `go` runs. */
  readonly goVersion?: string
  /** The Go release the control plane's go.mod asks for, e.g. [1, 25]. */
  readonly goRequired: readonly [number, number]
}

const macvlanPath = join(referencePluginDir, 'macvlan')

/** One line per missing piece, each naming what installs it; empty when the demo can run. */
export function prerequisiteProblems(facts: MachineFacts): string[] {
  const problems: string[] = []
  const [major, minor] = facts.goRequired
  const installGo = `install Go >= ${major}.${minor} (https://go.dev/dl/) and put \`go\` on PATH`
  if (!facts.controlPlaneBuilt) {
    const found = /go(\d+)\.(\d+)/.exec(facts.goVersion ?? '')
    if (!found) problems.push(`\`go\` not found (the first run builds kube-apiserver and etcd with it): ${installGo}`)
    else if (Number(found[1]) < major || (Number(found[1]) === major && Number(found[2]) < minor)) {
      problems.push(`${found[0]} is too old to build the control plane: ${installGo}`)
    }
  }
  if (!facts.root) problems.push('network namespaces need root: run it as root (sudo npm run demo)')
  if (!facts.commands.has('ip')) problems.push('`ip` not found: apt-get install iproute2')
  if (!facts.macvlan) problems.push(`${macvlanPath} not found: apt-get install containernetworking-plugins`)
  if (!facts.commands.has('ping')) problems.push('`ping` not found: apt-get install iputils-ping')
  if (!facts.commands.has('kubectl')) {
    problems.push('`kubectl` not found (the demo shows its tables): install it, https://kubernetes.io/docs/tasks/tools/')
  }
  return problems
}

/** The Go release in `go <x.y>` of the control plane's go.mod. */
const goRequired = (): [number, number] => {
  const found = /^go (\d+)\.(\d+)/m.exec(readFileSync(join(REPO_ROOT, 'scripts/control-plane/go.mod'), 'utf8'))
  return found ? [Number(found[1]), Number(found[2])] : [1, 25]
}

export function readMachineFacts(): MachineFacts {
  const controlPlaneBuilt = ['kube-apiserver', 'etcd'].every((b) => existsSync(join(CACHE_DIR, 'bin', b)))
  const go = controlPlaneBuilt ? undefined : spawnSync('go', ['version'], { encoding: 'utf8' })
  return {
    root: process.getuid?.() === 0,
    commands: new Set(['ip', 'ping', 'kubectl'].filter(onPath)),
    macvlan: executable(macvlanPath),
    controlPlaneBuilt,
    ...(go && go.status === 0 ? { goVersion: go.stdout.trim() } : {}),
    goRequired: goRequired(),
  }
}
