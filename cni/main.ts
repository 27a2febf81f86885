/**
 * The plugin's entry point, and the only file that touches the process: it reads the environment
 * and stdin, runs dispatch, and writes stdout, the log and the exit code. Runs on Node (tsx), Deno
 * and Bun, and is what `bun build --compile` turns into dist/cni/spinneret.
 */
import process from 'node:process'
import { formatEntry } from '../shared/log.ts'
import { dispatch } from './dispatch.ts'
import { fetchUnixTransport } from './fetch-unix-transport.ts'
import { readStdin, writeFd } from './stdio.ts'
import { unixSocketTransport } from './unix-socket-transport.ts'
import { writeLog } from './write-log.ts'

// Bun (the compiled plugin) talks to the socket with its own fetch: its node:http costs more CPU
// than all the rest of a call. Node and Deno have no fetch over unix sockets and use node:http.
const connect = 'Bun' in globalThis ? fetchUnixTransport : unixSocketTransport

// `spinneret install <dir>` (the DaemonSet's init container) copies this binary onto the node.
// The runtime never passes arguments to a plugin, so it cannot start this by accident.
if (process.argv[2] === 'install') {
  const { installPlugin } = await import('./install.ts')
  // The one logger's line format: what it did on stdout (the init container's log), a failure on stderr.
  const line = (level: 'info' | 'error', msg: string, fields = {}) => `${formatEntry({ time: new Date().toISOString(), level, msg, fields })}\n`
  const dir = process.argv[3]
  const self = process.execPath
  try {
    if (!dir) throw new Error('usage: spinneret install <CNI bin dir>, e.g. spinneret install /host/opt/cni/bin')
    if (/^(node|bun|deno)$/.test(self.split('/').pop() ?? ''))
      throw new Error(`install copies the compiled plugin itself, not ${self}: run dist/cni/spinneret install <dir>`)
    const { installed, unchanged } = installPlugin(self, dir)
    await writeFd(1, line('info', 'CNI plugin installed', { installed, unchanged }))
    process.exit(0)
  } catch (e) {
    await writeFd(2, line('error', e instanceof Error ? e.message : String(e)))
    process.exit(1)
  }
}

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
