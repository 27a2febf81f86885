import * as v from 'valibot'
import { CniCode, CniError } from './cni-error.ts'
import { SUPPORTED_VERSIONS } from './versions.ts'

/** The process environment as dispatch sees it: main.ts passes process.env, tests a plain object. */
export type Env = Readonly<Record<string, string | undefined>>

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'] as const
export type Command = (typeof COMMANDS)[number]

export interface CniEnv {
  readonly command: Command
  readonly containerID: string
  readonly netns: string
  readonly ifName: string
  readonly path: string
  readonly args: string
}

// Same rules as libcni's ValidateContainerID / ValidateInterfaceName, so a name the runtime
// accepted is never refused here, and a name the kernel would refuse fails before the service.
const ContainerIDSchema = v.pipe(v.string(), v.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'invalid characters in container ID'))
const IfNameSchema = v.pipe(
  v.string(),
  v.maxLength(15, 'interface name is longer than 15 characters'),
  v.check((s) => s !== '.' && s !== '..', 'interface name is . or ..'),
  v.regex(/^[^/:\s]+$/, 'interface name contains / or : or whitespace'),
)

/** Which variables each verb needs; GC and STATUS only need the config (as in libcni's skel). */
const REQUIRED: Readonly<Record<Command, readonly string[]>> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_PATH'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_PATH'],
  VERSION: [],
  GC: [],
  STATUS: [],
}

const invalidEnv = (msg: string, details?: string): CniError => new CniError(CniCode.invalidEnvironment, msg, details)

export const parseCommand = (env: Env): Command => {
  const command = env['CNI_COMMAND']
  if (!command) {
    throw invalidEnv(
      'required env variables [CNI_COMMAND] missing',
      `Spinneret CNI IPAM plugin; CNI protocol versions supported: ${SUPPORTED_VERSIONS.join(', ')}`,
    )
  }
  const known = COMMANDS.find((c) => c === command)
  if (!known) throw invalidEnv(`unknown CNI_COMMAND: ${command}`)
  return known
}

const checkValue = (name: string, schema: v.GenericSchema<string>, value: string): void => {
  const result = v.safeParse(schema, value)
  if (!result.success) throw invalidEnv(`${name}: ${result.issues[0].message}`, value)
}

/** Reads the CNI_* variables of one verb, naming every missing variable at once. */
export const parseEnv = (command: Command, env: Env): CniEnv => {
  const missing = REQUIRED[command].filter((name) => !env[name])
  if (missing.length > 0) throw invalidEnv(`required env variables [${missing.join(',')}] missing`)
  const containerID = env['CNI_CONTAINERID'] ?? ''
  const ifName = env['CNI_IFNAME'] ?? ''
  if (containerID) checkValue('CNI_CONTAINERID', ContainerIDSchema, containerID)
  if (ifName) checkValue('CNI_IFNAME', IfNameSchema, ifName)
  return {
    command,
    containerID,
    netns: env['CNI_NETNS'] ?? '',
    ifName,
    path: env['CNI_PATH'] ?? '',
    args: env['CNI_ARGS'] ?? '',
  }
}
