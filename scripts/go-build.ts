// One `go build` run as the project's Go-built tools run it: output to a log file, a deadline,
// and on failure an error with the log's tail. scripts/control-plane/build.ts has the same steps
// inline and can move onto this.
import { spawn } from 'node:child_process'
import fs from 'node:fs'

export const tail = (file: string, lines = 40): string => {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no ${file})`
  }
}

export interface GoBuild {
  readonly args: readonly string[]
  readonly cwd: string
  readonly log: string
  readonly timeoutMs: number
  /** Names what is built, for the error. */
  readonly what: string
  readonly env?: NodeJS.ProcessEnv
}

/** Runs `go <args>` in `cwd`, its output in `log`; throws naming the exit (or the deadline) and the log's tail. */
export async function goBuild({ args, cwd, log, timeoutMs, what, env }: GoBuild): Promise<void> {
  const out = fs.openSync(log, 'w')
  // Not detached: Ctrl-C on the terminal must stop the build (and its compilers) too.
  const child = spawn('go', [...args], { cwd, stdio: ['ignore', out, out], ...(env ? { env } : {}) })
  fs.closeSync(out)
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      resolve('timeout')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve(e.message)
    })
    child.on('exit', (c, signal) => {
      clearTimeout(timer)
      resolve(c ?? String(signal))
    })
  })
  if (code === 0) return
  const why = code === 'timeout' ? `timed out after ${timeoutMs / 1000}s` : `exit ${code}`
  throw new Error(`building ${what} failed (${why}); tail of ${log}:\n${tail(log)}`)
}
