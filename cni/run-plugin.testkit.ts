import { spawn } from 'node:child_process'

export interface PluginRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
}

/**
 * Test-only: runs a plugin binary as a runtime does, with exactly `env` and `stdin`, and kills it
 * after `limitMs` (the run then has a signal). Async on purpose: a test's fake service answering
 * the binary lives in the same event loop.
 */
export const runPlugin = (binary: string, env: Record<string, string | undefined>, stdin = '', limitMs = 60_000): Promise<PluginRun> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(binary, [], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started })
    })
    child.stdin.on('error', () => {}) // a plugin that exits before reading stdin (VERSION, env errors): EPIPE
    child.stdin.end(stdin)
  })
