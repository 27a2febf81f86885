import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { afterEach, describe, expect, it } from 'vitest'
import { listenOnPrivateSocket } from './listen-socket.ts'

const modeOf = (path: string) => statSync(path).mode & 0o777
const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })))

describe('listenOnPrivateSocket', () => {
  // The socket used to be made under the process umask and chmod-ed once listening: under
  // umask 0 it was 0777 meanwhile, and a local user could connect (and stay connected).
  it('makes the socket 0600 from its first moment, under any umask, and leaves the umask as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spinneret-socket-'))
    dirs.push(dir)
    const path = join(dir, 'run', 'spidernet', 'ipam.sock')
    const previous = process.umask(0)
    const server = createServer()
    try {
      let listening = false
      listenOnPrivateSocket(server, path, () => (listening = true))
      expect(listening).toBe(false)
      expect(modeOf(path).toString(8)).toBe('600')
      expect(statSync(path).isSocket()).toBe(true)
      expect(process.umask()).toBe(0)
      expect(modeOf(join(dir, 'run', 'spidernet')).toString(8)).toBe('755')
    } finally {
      process.umask(previous)
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('replaces a stale socket left by a crashed run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spinneret-socket-'))
    dirs.push(dir)
    const path = join(dir, 'ipam.sock')
    writeFileSync(path, '', { mode: 0o666 })
    const server = createServer()
    await new Promise<void>((resolve) => listenOnPrivateSocket(server, path, resolve))
    expect(statSync(path).isSocket()).toBe(true)
    expect(modeOf(path).toString(8)).toBe('600')
    await new Promise((resolve) => server.close(resolve))
  })
})
