/**
 * The plugin's entry point, and the only file that touches the process: it reads the environment
 * and stdin, runs dispatch, and writes stdout, the log and the exit code. Runs on Node (tsx), Deno
 * and Bun, and is what `bun build --compile` turns into dist/cni/spinneret.
 */
import { Buffer } from 'node:buffer'
import process from 'node:process'
import { dispatch } from './dispatch.ts'
import { unixSocketTransport } from './unix-socket-transport.ts'
import { writeLog } from './write-log.ts'

const readStdin = async (): Promise<string> => {
  const chunks: Uint8Array[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array)
  return new TextDecoder().decode(Buffer.concat(chunks))
}

// VERSION (and a missing command) never read stdin, as in libcni: someone typing the command in a
// terminal must not hang on an open stdin.
const command = process.env['CNI_COMMAND']
const stdin = command && command !== 'VERSION' ? await readStdin() : ''

const out = await dispatch({ env: process.env, stdin }, { connect: unixSocketTransport })
writeLog(out.logLines, out.logFilePath, (text) => process.stderr.write(text))
// Exit only once stdout is flushed: libcni reads the result from the pipe.
process.stdout.write(out.stdout, () => process.exit(out.exitCode))
