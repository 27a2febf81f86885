// Running the host's tools (ip, nsenter, mount, ctr, tar, gcc) from the cluster scripts.
import { execFile } from 'node:child_process'

export interface RunResult {
  stdout: string
  stderr: string
}

/** Runs a command; a non-zero exit rejects with the command line and what it printed. */
export function run(cmd: string, args: readonly string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, ...(options.env ? { env: options.env } : {}) },
      (error, stdout, stderr) => {
        if (error) {
          const output = `${stderr}${stdout}`.trim()
          reject(new Error(`${[cmd, ...args].join(' ')}: ${error.message.split('\n')[0]}${output ? `\n${output}` : ''}`))
        } else {
          resolve({ stdout, stderr })
        }
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/** Like run, but resolves false instead of rejecting (for "remove if present" steps). */
export const tryRun = (cmd: string, args: readonly string[]): Promise<boolean> =>
  run(cmd, args).then(
    () => true,
    () => false,
  )
