/**
 * Test-only: what every plugin run must print, whatever it was given. Shared by the in-process
 * fuzzer (dispatch) and the one that runs the compiled binary.
 */
import { parseCidr } from './address.ts'
import { versionJson } from './cmd-version.ts'
import { SUPPORTED_VERSIONS } from './versions.ts'

const fail = (why: string, stdout: string): never => {
  throw new Error(`${why}; stdout was ${JSON.stringify(stdout)}`)
}

const jsonObjectLine = (stdout: string): Record<string, unknown> => {
  if (!stdout.endsWith('\n') || stdout.indexOf('\n') !== stdout.length - 1) fail('stdout is not exactly one line', stdout)
  let value: unknown
  try {
    value = JSON.parse(stdout)
  } catch {
    fail('stdout is not JSON', stdout)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('stdout is not a JSON object', stdout)
  return value as Record<string, unknown>
}

/**
 * A CNI error as libcni reads it: the config's version (or our latest), a code, a message, and
 * `details` only as a string. Code 999 is the plugin's "internal error": an exception nobody
 * turned into a CNI error, which is a bug whatever the input.
 */
export const expectCniError = (stdout: string): { code: number; msg: string } => {
  const error = jsonObjectLine(stdout)
  const extra = Object.keys(error).filter((k) => !['cniVersion', 'code', 'msg', 'details'].includes(k))
  if (extra.length > 0) fail(`the error has keys libcni does not know: ${extra.join(', ')}`, stdout)
  if (!(SUPPORTED_VERSIONS as readonly unknown[]).includes(error.cniVersion)) fail('the error has no supported cniVersion', stdout)
  if (!Number.isInteger(error.code) || (error.code as number) < 1) fail('the error has no positive integer code', stdout)
  if (error.code === 999) fail('internal error (999): an exception escaped the verbs', stdout)
  if (typeof error.msg !== 'string' || error.msg.trim() === '') fail('the error has no message', stdout)
  if (error.details !== undefined && typeof error.details !== 'string') fail('the error details are not a string', stdout)
  return { code: error.code as number, msg: error.msg as string }
}

/** What a successful run prints: VERSION's answer, ADD's result, nothing for the other verbs. */
export const expectSuccess = (command: string | undefined, stdout: string): void => {
  if (command === 'VERSION') {
    if (stdout !== `${versionJson()}\n`) fail('VERSION did not print the version answer', stdout)
    return
  }
  if (command !== 'ADD') {
    if (stdout !== '') fail(`${command} succeeded but printed something`, stdout)
    return
  }
  const result = jsonObjectLine(stdout)
  if (!(SUPPORTED_VERSIONS as readonly unknown[]).includes(result.cniVersion)) fail('the result has no supported cniVersion', stdout)
  const ips = result.ips
  if (!Array.isArray(ips) || ips.length === 0) fail('ADD succeeded without an address', stdout)
  for (const ip of ips as Array<Record<string, unknown>>) {
    if (typeof ip.address !== 'string' || parseCidr(ip.address) === undefined) fail('ADD answered an address that is not ip/prefix', stdout)
  }
  for (const route of (result.routes ?? []) as Array<Record<string, unknown>>) {
    if (typeof route.dst !== 'string' || parseCidr(route.dst) === undefined) fail('ADD answered a route whose dst is not a CIDR', stdout)
  }
  if (typeof result.dns !== 'object' || result.dns === null) fail('the result has no dns object', stdout)
}

/** Either kind of run, by exit code; log lines (stderr or file) are JSON objects. */
export const expectCniOutput = (command: string | undefined, out: { stdout: string; exitCode: number | null; logLines: readonly string[] }): void => {
  if (out.exitCode === 1) expectCniError(out.stdout)
  else if (out.exitCode === 0) expectSuccess(command, out.stdout)
  else fail(`exit code ${out.exitCode}, neither 0 nor 1`, out.stdout)
  for (const line of out.logLines) {
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      throw new Error(`a log line is not JSON: ${JSON.stringify(line)}`)
    }
    if (typeof (entry as { msg?: unknown }).msg !== 'string') throw new Error(`a log line has no msg: ${line}`)
  }
}
