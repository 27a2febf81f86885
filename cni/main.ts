/**
 * The plugin's entry point, and the only file that touches the process: it reads the environment
 * and stdin, runs dispatch, and writes stdout, the log and the exit code. Runs on Node (tsx), Deno
 * and Bun, and is what `bun build --compile` turns into dist/cni/spinneret.
 */
import process from 'node:process'
import { dispatch } from './dispatch.ts'
import { fetchUnixTransport } from './fetch-unix-transport.ts'
import { readStdin, writeFd } from './stdio.ts'
import { unixSocketTransport } from './unix-socket-transport.ts'
import { writeLog } from './write-log.ts'

// Bun (the compiled plugin) talks to the socket with its own fetch: its node:http costs more CPU
// than all the rest of a call. Node and Deno have no fetch over unix sockets and use node:http.
const connect = 'Bun' in globalThis ? fetchUnixTransport : unixSocketTransport

// VERSION (and a missing command) never read stdin, as in libcni: someone typing the command in a
// terminal must not hang on an open stdin.
const command = process.env['CNI_COMMAND']
const stdin = command && command !== 'VERSION' ? await readStdin() : ''

const out = await dispatch({ env: process.env, stdin }, { connect })
const written: Promise<void>[] = []
writeLog(out.logLines, out.logFilePath, (text) => written.push(writeFd(2, text)), out.logRotation)
written.push(writeFd(1, out.stdout))
// Exit as soon as the answer is written (libcni reads it from the pipe): nothing else is awaited,
// neither the socket's close nor a pending timer.
await Promise.all(written)
process.exit(out.exitCode)
