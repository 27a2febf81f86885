/**
 * What `npm run demo` needs from the machine, checked before it makes anything. The decision is a
 * pure function of the facts, so every missing piece and its message can be tested without a
 * machine that lacks it. The cluster's Debian packages are not among them: as root,
 * `cluster:up` installs what is missing and says so.
 *
 * @example
 * const problems = prerequisiteProblems(readMachineFacts())
 * if (problems.length > 0) throw new Error(problems.join('\n'))
 */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT, binariesFresh } from '../control-plane/build.ts'

export interface MachineFacts {
  readonly root: boolean
  /** Commands found on PATH. */
  readonly commands: ReadonlySet<string>
  /** The Kubernetes binaries are built already: Go is only needed to build them. */
  readonly binariesBuilt: boolean
  /** `go version` output, when `go` runs. */
  readonly goVersion?: string
  /** The Go release the wrapper module's go.mod asks for, e.g. [1, 25]. */
  readonly goRequired: readonly [number, number]
}

/** One line per missing piece, each naming what installs it; empty when the demo can run. */
export function prerequisiteProblems(facts: MachineFacts): string[] {
  const problems: string[] = []
  const [major, minor] = facts.goRequired
  const installGo = `install Go >= ${major}.${minor} (https://go.dev/dl/) and put \`go\` on PATH`
  if (!facts.binariesBuilt) {
    const found = /go(\d+)\.(\d+)/.exec(facts.goVersion ?? '')
    if (!found) problems.push(`\`go\` not found (the first run builds kube-apiserver, etcd, kubelet and the controllers with it): ${installGo}`)
    else if (Number(found[1]) < major || (Number(found[1]) === major && Number(found[2]) < minor)) {
      problems.push(`${found[0]} is too old to build the Kubernetes binaries: ${installGo}`)
    }
  }
  if (!facts.root) problems.push('the local cluster needs root (namespaces, mounts, cgroups, containerd): run it as root (sudo npm run demo)')
  if (!facts.commands.has('kubectl')) {
    problems.push('`kubectl` not found (the demo is kubectl commands): install it, https://kubernetes.io/docs/tasks/tools/')
  }
  return problems
}

/** The Go release in `go <x.y>` of the wrapper module's go.mod. */
const goRequired = (): [number, number] => {
  const found = /^go (\d+)\.(\d+)/m.exec(readFileSync(join(REPO_ROOT, 'scripts/control-plane/go.mod'), 'utf8'))
  return found ? [Number(found[1]), Number(found[2])] : [1, 25]
}

const onPath = (command: string) =>
  (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })

export function readMachineFacts(): MachineFacts {
  const binariesBuilt = binariesFresh('control-plane') && binariesFresh('cluster')
  const go = binariesBuilt ? undefined : spawnSync('go', ['version'], { encoding: 'utf8' })
  return {
    root: process.getuid?.() === 0,
    commands: new Set(['kubectl'].filter(onPath)),
    binariesBuilt,
    ...(go && go.status === 0 ? { goVersion: go.stdout.trim() } : {}),
    goRequired: goRequired(),
  }
}
