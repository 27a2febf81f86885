/**
 * An underlay network built from network namespaces, for e2e tests and the demo: one "router"
 * namespace, per zone a bridge in the router holding the zone's gateway address, and per node a
 * namespace whose underlay interface (`ens192` by default, the scenario's name) is a veth to that
 * bridge. macvlan (bridge mode) uses it as master, so pods of one zone share an L2 segment with
 * their gateway, and the router forwards between zones (ttl 63 across zones, as on real nodes).
 * Pods are namespaces too; the CNI plugin runs *inside the node's namespace*, as a runtime on
 * that node would run it, so nothing ever touches the machine's own interfaces or sysctls.
 *
 * @example
 * const net = await createUnderlay({ zones: [
 *   { name: 'a', subnet: '198.18.6.0/24', gateway: '198.18.6.1', nodes: ['node-a'] },
 *   { name: 'b', subnet: '198.18.7.0/24', gateway: '198.18.7.1', nodes: ['node-b'] },
 * ] })
 * const pod = await net.addPod('web-0')
 * const add = await net.cni({ command: 'ADD', node: 'node-a', pod, containerID: 'c1', args, cniPath, config })
 * await net.teardown()
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { accessSync, constants, existsSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const NETNS_DIR = '/var/run/netns'
const REFERENCE_PLUGINS = '/usr/lib/cni'
// Every namespace this module makes is named `spn<pid>-<random>-...`: stale ones of a dead
// process can be recognised and removed without touching anybody else's.
const PREFIX_PATTERN = /^spn(\d+)-[a-z0-9]+-/

export interface ZoneSpec {
  /** A short label for the zone, used in messages. */
  readonly name: string
  /** The zone's underlay subnet, CIDR (IPv4). */
  readonly subnet: string
  /** The zone's gateway, held by the router on the zone's segment. */
  readonly gateway: string
  /** Names of the nodes in the zone (Kubernetes Node names); each gets a namespace. */
  readonly nodes: readonly string[]
}

export interface UnderlayOptions {
  readonly zones: readonly ZoneSpec[]
  /** Name of the underlay interface in every node namespace (macvlan's `master`). */
  readonly master?: string
  /** Namespace-name prefix; unique per call by default. */
  readonly prefix?: string
}

export interface UnderlayNode {
  readonly name: string
  readonly zone: ZoneSpec
  /** The node's network namespace name. */
  readonly netns: string
  /** The underlay interface inside the node namespace. */
  readonly master: string
}

export interface UnderlayPod {
  readonly name: string
  readonly netns: string
  /** What CNI_NETNS carries: /var/run/netns/<netns>. */
  readonly path: string
}

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS'

export interface CniRequest {
  readonly command: CniCommand
  /** The node whose namespace the plugin runs in (where macvlan finds its master). */
  readonly node: string
  /** CNI_NETNS; optional for DEL, GC, STATUS, VERSION. */
  readonly pod?: UnderlayPod
  readonly containerID?: string
  readonly ifName?: string
  /** Directories searched for `config.type` and handed to the plugin as CNI_PATH. */
  readonly cniPath: readonly string[]
  /** CNI_ARGS pairs, e.g. K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID. */
  readonly args?: Readonly<Record<string, string>>
  /** The network config written to stdin (add `prevResult` for CHECK and DEL). */
  readonly config: Readonly<Record<string, unknown>> & { readonly type: string }
  readonly timeoutMs?: number
}

export interface CniOutcome {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  /** stdout parsed as JSON when it is JSON: the result, or the error `{code, msg, details}`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any
}

export interface InterfaceAddress {
  readonly family: 'inet' | 'inet6'
  readonly local: string
  readonly prefixlen: number
}

export interface Route {
  readonly dst: string
  readonly gateway?: string
  readonly dev?: string
}

export interface PingOutcome {
  readonly ok: boolean
  /** The ttl of the first reply. */
  readonly ttl?: number
  readonly output: string
}

export interface Underlay {
  readonly prefix: string
  /** The router's namespace name. */
  readonly router: string
  readonly master: string
  readonly nodes: ReadonlyMap<string, UnderlayNode>
  node(name: string): UnderlayNode
  /** A pod network namespace with loopback up (what the runtime's sandbox gives the plugin). */
  addPod(name: string): Promise<UnderlayPod>
  removePod(name: string): Promise<void>
  /** Runs the CNI plugin `config.type` inside the node's namespace, as a runtime would. */
  cni(request: CniRequest): Promise<CniOutcome>
  /** Removes every namespace (and so every link) made; safe to call twice or after a failed build. */
  teardown(): Promise<void>
  /**
   * Leaves the namespaces in place when the process exits without teardown() (by default they
   * are removed then): for a demo that hands its network over to the user. A prefix matching
   * `spn<pid>-` is still swept by the next underlay once this process is gone: pass your own.
   */
  keepPastExit(): void
}

// ---------------------------------------------------------------------------------------------
// Prerequisites

/** What the machine lacks for an underlay, each with what to do about it; empty when all is there. */
export function underlayProblems(): string[] {
  const problems: string[] = []
  if (process.getuid?.() !== 0) problems.push('network namespaces need root: run the e2e tests as root')
  if (!onPath('ip')) problems.push('`ip` not found: apt-get install iproute2')
  if (!executable(join(REFERENCE_PLUGINS, 'macvlan'))) {
    problems.push(`${REFERENCE_PLUGINS}/macvlan not found: apt-get install containernetworking-plugins`)
  }
  if (!onPath('ping')) problems.push('`ping` not found: apt-get install iputils-ping')
  return problems
}

/** Throws one message naming everything missing: e2e tests fail, they never skip. */
export function assertUnderlayPrerequisites(extra: readonly string[] = []): void {
  const problems = [...underlayProblems(), ...extra]
  if (problems.length > 0) throw new Error(`the network e2e setup cannot run:\n- ${problems.join('\n- ')}`)
}

/** Where the reference CNI plugins live (containernetworking-plugins). */
export const referencePluginDir = REFERENCE_PLUGINS

export const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Whether `command` can be run; the sbin directories count even when PATH lacks them (root tools live there). */
export const onPath = (command: string): boolean =>
  (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(delimiter)
    .concat(['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'])
    .some((dir) => dir !== '' && executable(join(dir, command)))

// ---------------------------------------------------------------------------------------------
// Commands

export interface Exec {
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command; a non-zero exit throws with the command line and its stderr. */
export function run(command: string, args: readonly string[], timeoutMs = 30_000): Promise<Exec> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
        return
      }
      resolve({ stdout, stderr })
    })
  })
}

const ip = (...args: string[]) => run('ip', args)

/** Runs a command inside a network namespace. */
export const inNetns = (netns: string, command: string, args: readonly string[], timeoutMs?: number): Promise<Exec> =>
  run('ip', ['netns', 'exec', netns, command, ...args], timeoutMs)

export const netnsPath = (netns: string): string => join(NETNS_DIR, netns)

/**
 * Addresses of one interface in a namespace (`ip -j addr`); empty when the interface does not
 * exist. A missing namespace throws: "no addresses" must never come from a wrong name.
 */
export async function addressesOf(netns: string, ifName: string): Promise<InterfaceAddress[]> {
  const { stdout } = await ip('-n', netns, '-j', 'addr', 'show')
  const links = JSON.parse(stdout || '[]') as { ifname: string; addr_info?: InterfaceAddress[] }[]
  return (links.find((l) => l.ifname === ifName)?.addr_info ?? []).map(({ family, local, prefixlen }) => ({ family, local, prefixlen }))
}

/** IPv4 routes of a namespace (`ip -j route show`). */
export async function routesOf(netns: string): Promise<Route[]> {
  const { stdout } = await ip('-n', netns, '-j', 'route', 'show')
  return (JSON.parse(stdout || '[]') as Route[]).map(({ dst, gateway, dev }) => ({
    dst,
    ...(gateway ? { gateway } : {}),
    ...(dev ? { dev } : {}),
  }))
}

/**
 * Pings from a namespace until the first reply or the deadline (a first ARP exchange on a loaded
 * machine can take a while): `ok` with that reply's ttl, or ping's output to explain a failure.
 */
export function ping(netns: string, address: string, { deadlineSeconds = 10 } = {}): Promise<PingOutcome> {
  // -c 1 with -w: resend every 0.2 s until one reply arrives or the deadline passes.
  const args = ['netns', 'exec', netns, 'ping', '-n', '-c', '1', '-i', '0.2', '-w', String(deadlineSeconds), address]
  return new Promise((resolve) => {
    execFile('ip', args, { timeout: (deadlineSeconds + 20) * 1000 }, (error, stdout, stderr) => {
      const ttl = /ttl=(\d+)/.exec(stdout)?.[1]
      resolve({ ok: !error, ...(ttl ? { ttl: Number(ttl) } : {}), output: `${stdout}${stderr}`.trim() })
    })
  })
}

// ---------------------------------------------------------------------------------------------
// Building and tearing down

const live = new Set<() => void>()

// Vitest's afterAll and the demo's finally clause are the normal way out; this catches an
// exit that skips them (process.exit in the middle of a run). Synchronous, as `exit` requires.
const onExit = () => {
  for (const cleanup of live) cleanup()
}
const installExitHook = () => {
  if (!process.listeners('exit').includes(onExit)) process.on('exit', onExit)
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes namespaces left by underlays whose process died without tearing down (SIGKILL). */
export function removeStaleUnderlays(): string[] {
  if (!existsSync(NETNS_DIR)) return []
  const stale = readdirSync(NETNS_DIR).filter((name) => {
    const pid = PREFIX_PATTERN.exec(name)?.[1]
    return pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid))
  })
  for (const name of stale) deleteNetnsSync(name)
  return stale
}

const deleteNetnsSync = (name: string): void => {
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' })
  } catch {
    // already gone
  }
}

const deleteNetns = async (name: string): Promise<void> => {
  if (!existsSync(netnsPath(name))) return
  await ip('netns', 'delete', name).catch((e: unknown) => {
    if (existsSync(netnsPath(name))) throw e
  })
}

const prefixLength = (cidr: string): number => {
  const bits = Number(cidr.split('/')[1])
  if (!Number.isInteger(bits) || bits < 1 || bits > 30) throw new Error(`zone subnet ${cidr}: expected an IPv4 CIDR with a /1-/30 prefix`)
  return bits
}

const randomTag = () => Math.random().toString(36).slice(2, 7)

const findPlugin = (type: string, cniPath: readonly string[]): string => {
  const found = cniPath.map((dir) => join(dir, type)).find(executable)
  if (!found) throw new Error(`CNI plugin ${type} not found in CNI_PATH ${cniPath.join(':')}`)
  return found
}

/**
 * Builds the underlay. When a step fails, what was made is removed again before the error is
 * thrown. Link names inside namespaces are short and fixed (each namespace has its own), so the
 * 15-character limit never depends on zone or node names.
 */
export async function createUnderlay(options: UnderlayOptions): Promise<Underlay> {
  const master = options.master ?? 'ens192'
  const prefix = options.prefix ?? `spn${process.pid}-${randomTag()}`
  const router = `${prefix}-router`
  const made: string[] = [] // namespaces, in creation order
  const pods = new Map<string, UnderlayPod>()
  const nodes = new Map<string, UnderlayNode>()

  const teardownSync = () => {
    for (const name of [...made].reverse()) deleteNetnsSync(name)
  }
  let tornDown = false
  const teardown = async () => {
    if (tornDown) return
    tornDown = true
    live.delete(teardownSync)
    const errors: unknown[] = []
    for (const name of [...made].reverse()) await deleteNetns(name).catch((e: unknown) => errors.push(e))
    made.length = 0
    pods.clear()
    if (errors.length > 0) throw new AggregateError(errors, `underlay ${prefix}: teardown left namespaces behind`)
  }
  installExitHook()
  live.add(teardownSync)

  const addNetns = async (name: string) => {
    await ip('netns', 'add', name)
    made.push(name)
    await ip('-n', name, 'link', 'set', 'lo', 'up')
  }

  try {
    removeStaleUnderlays()
    const names = options.zones.flatMap((z) => z.nodes)
    const duplicate = names.find((n, i) => names.indexOf(n) !== i)
    if (duplicate) throw new Error(`node ${duplicate} is listed twice`)

    await addNetns(router)
    await inNetns(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'])
    for (const [z, zone] of options.zones.entries()) {
      const bridge = `zone${z}`
      await ip('-n', router, 'link', 'add', bridge, 'type', 'bridge')
      await ip('-n', router, 'addr', 'add', `${zone.gateway}/${prefixLength(zone.subnet)}`, 'dev', bridge)
      await ip('-n', router, 'link', 'set', bridge, 'up')
      for (const [n, nodeName] of zone.nodes.entries()) {
        const netns = `${prefix}-node-${nodeName}`
        await addNetns(netns)
        // Created in the router with its peer born in the node: never a link in the host's namespace.
        const port = `z${z}n${n}`
        await ip('-n', router, 'link', 'add', port, 'type', 'veth', 'peer', 'name', master, 'netns', netns)
        await ip('-n', router, 'link', 'set', port, 'master', bridge, 'up')
        await ip('-n', netns, 'link', 'set', master, 'up')
        nodes.set(nodeName, { name: nodeName, zone, netns, master })
      }
    }
  } catch (e) {
    await teardown().catch(() => {})
    throw e
  }

  const node = (name: string): UnderlayNode => {
    const found = nodes.get(name)
    if (!found) throw new Error(`underlay ${prefix} has no node ${name} (nodes: ${[...nodes.keys()].join(', ')})`)
    return found
  }

  return {
    prefix,
    router,
    master,
    nodes,
    node,
    teardown,
    async addPod(name) {
      if (tornDown) throw new Error(`underlay ${prefix} is torn down`)
      if (pods.has(name)) throw new Error(`pod ${name} exists already`)
      const netns = `${prefix}-pod-${name}`
      await addNetns(netns)
      const pod = { name, netns, path: netnsPath(netns) }
      pods.set(name, pod)
      return pod
    },
    async removePod(name) {
      const pod = pods.get(name)
      if (!pod) return
      await deleteNetns(pod.netns)
      pods.delete(name)
      const index = made.indexOf(pod.netns)
      if (index >= 0) made.splice(index, 1)
    },
    cni: (request) => runCni(node(request.node).netns, request),
    keepPastExit: () => {
      live.delete(teardownSync)
    },
  }
}

/** Runs one CNI plugin inside `netns` with the CNI environment and the config on stdin. */
function runCni(netns: string, request: CniRequest): Promise<CniOutcome> {
  const plugin = findPlugin(request.config.type, request.cniPath)
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: request.command,
    CNI_PATH: request.cniPath.join(delimiter),
    ...(request.containerID ? { CNI_CONTAINERID: request.containerID } : {}),
    ...(request.pod ? { CNI_NETNS: request.pod.path } : {}),
    ...(request.command === 'VERSION' ? {} : { CNI_IFNAME: request.ifName ?? 'eth0' }),
    ...(request.args
      ? {
          CNI_ARGS: Object.entries(request.args)
            .map(([k, v]) => `${k}=${v}`)
            .join(';'),
        }
      : {}),
  }
  const timeoutMs = request.timeoutMs ?? 90_000
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', netns, plugin], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      let json: unknown
      try {
        json = JSON.parse(stdout)
      } catch {
        json = undefined
      }
      resolve({ exitCode, stdout, stderr, json })
    })
    child.stdin.on('error', () => {}) // a plugin may exit without reading stdin (VERSION)
    child.stdin.end(JSON.stringify(request.config))
  })
}
