import { CniCode, CniError, cniErrorJson, isCniError } from './cni-error.ts'
import { cmdAdd } from './cmd-add.ts'
import { cmdCheck } from './cmd-check.ts'
import { cmdDel } from './cmd-del.ts'
import { cmdGc } from './cmd-gc.ts'
import { cmdStatus } from './cmd-status.ts'
import { versionJson } from './cmd-version.ts'
import { parseCommand, parseEnv, type Command, type Env } from './env.ts'
import { ipamClient } from './ipam-client.ts'
import { parseCniArgs } from './k8s-args.ts'
import { answerVersion, decodeStdin, loadNetConf, type RawConf } from './load-net-conf.ts'
import { createBufferedLogger, type Logger } from '../shared/log.ts'
import type { LogLevel } from './net-conf-schema.ts'
import { timeoutFor } from './timeouts.ts'
import type { Connect } from './transport.ts'
import type { LogRotation } from './write-log.ts'
import type { Verb } from './verb.ts'
import { atLeast, type CniVersion } from './versions.ts'

export interface DispatchInput {
  readonly env: Env
  readonly stdin: string
}

export interface DispatchDeps {
  /** Opens the transport to the service; main.ts passes the unix-socket one. */
  readonly connect: Connect
  readonly now?: () => Date
}

export interface DispatchOutput {
  /** The result or error JSON (newline-terminated), or "" for verbs that print nothing. */
  readonly stdout: string
  readonly exitCode: number
  /** Structured log lines, already filtered by `ipam.log_level`. */
  readonly logLines: readonly string[]
  /**
   * Where the log lines go once the config is read (`ipam.log_file_path`, by default
   * Spiderpool's /var/log/spidernet/spiderpool.log), and how that file rotates; stderr before.
   */
  readonly logFilePath?: string
  readonly logRotation?: LogRotation
}

const VERBS: Readonly<Record<Exclude<Command, 'VERSION'>, Verb>> = {
  ADD: cmdAdd,
  DEL: cmdDel,
  CHECK: cmdCheck,
  GC: cmdGc,
  STATUS: cmdStatus,
}

/** Verbs younger than the oldest version we speak: a config older than them cannot ask for them. */
const MIN_VERSION: Partial<Record<Command, CniVersion>> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' }

const requireVersionFor = (command: Command, version: CniVersion): void => {
  const min = MIN_VERSION[command]
  if (min && !atLeast(version, min)) {
    throw new CniError(
      CniCode.incompatibleVersion,
      `config version does not allow ${command}`,
      `${command} needs cniVersion ${min} or later, config is ${version}`,
    )
  }
}

const sniff = (stdin: string): RawConf | undefined => {
  try {
    return decodeStdin(stdin)
  } catch {
    return undefined
  }
}

/**
 * One CNI invocation, from environment and stdin to stdout, exit code and log lines, without
 * touching the process: main.ts does the real I/O. Order follows libcni's skel: environment (4),
 * then stdin (6), config (7) and version (1), then the verb.
 */
export const dispatch = async (input: DispatchInput, deps: DispatchDeps): Promise<DispatchOutput> => {
  const { log, render } = createBufferedLogger({ now: deps.now ?? (() => new Date()), fields: { plugin: 'spinneret' } })
  let level: LogLevel = 'info'
  let logFilePath: string | undefined
  let logRotation: LogRotation | undefined
  // Once the request is known, errors are logged with its pod and container too.
  let scoped: Logger = log
  const finish = (stdout: string, exitCode: number): DispatchOutput => ({
    stdout,
    exitCode,
    logLines: render(level),
    ...(logFilePath ? { logFilePath } : {}),
    ...(logRotation ? { logRotation } : {}),
  })
  try {
    const command = parseCommand(input.env)
    if (command === 'VERSION') return finish(`${versionJson()}\n`, 0)
    const env = parseEnv(command, input.env)
    const args = parseCniArgs(env.args)
    const raw = decodeStdin(input.stdin)
    const { conf, version } = loadNetConf(raw)
    level = conf.ipam.log_level
    logFilePath = conf.ipam.log_file_path
    logRotation = {
      maxSizeMiB: conf.ipam.log_file_max_size,
      maxAgeDays: conf.ipam.log_file_max_age,
      maxCount: conf.ipam.log_file_max_count,
    }
    requireVersionFor(command, version)
    const socketPath = conf.ipam.ipam_unix_socket_path
    const client = ipamClient(deps.connect(socketPath), socketPath, timeoutFor(command, conf))
    const podName = args.get('K8S_POD_NAME')
    const podUID = args.get('K8S_POD_UID')
    scoped = log.child({
      cmd: command,
      network: conf.name,
      ...(env.containerID ? { containerID: env.containerID } : {}),
      ...(env.ifName ? { ifName: env.ifName } : {}),
      ...(podName ? { pod: `${args.get('K8S_POD_NAMESPACE') ?? ''}/${podName}` } : {}),
      ...(podUID ? { podUID } : {}),
    })
    scoped.debug('request', { cniVersion: version, socket: socketPath })
    const out = await VERBS[command]({ env, args, raw, conf, version, client, log: scoped })
    return finish(out === undefined ? '' : `${out}\n`, 0)
  } catch (e) {
    // Anything but a CniError escaping a verb is a bug: say so, with the stack for the report.
    const error = isCniError(e) ? e : new CniError(CniCode.internal, 'internal error', e instanceof Error ? (e.stack ?? e.message) : `${e}`)
    scoped.error(error.message, { code: error.code, ...(error.details ? { details: error.details } : {}) })
    return finish(`${cniErrorJson(answerVersion(sniff(input.stdin)), error)}\n`, 1)
  }
}
