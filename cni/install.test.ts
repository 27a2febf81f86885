import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { installPlugin } from './install.ts'

let dir: string
let source: string
let bin: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spinneret-install-'))
  source = path.join(dir, 'plugin')
  bin = path.join(dir, 'bin')
  fs.mkdirSync(bin)
  fs.writeFileSync(source, '#!/bin/sh\necho new\n')
})
afterEach(() => {
  fs.chmodSync(bin, 0o755)
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('installPlugin', () => {
  it('installs the plugin under both names, executable, with nothing else left in the dir', () => {
    const result = installPlugin(source, bin)
    expect(result).toEqual({ installed: [path.join(bin, 'spinneret'), path.join(bin, 'spiderpool')], unchanged: [] })
    for (const name of ['spinneret', 'spiderpool']) {
      expect(fs.readFileSync(path.join(bin, name), 'utf8')).toBe('#!/bin/sh\necho new\n')
      expect(fs.statSync(path.join(bin, name)).mode & 0o777).toBe(0o755)
    }
    expect(fs.readdirSync(bin).sort()).toEqual(['spiderpool', 'spinneret'])
  })

  it('leaves an identical binary alone and replaces an older one by rename (a new inode)', () => {
    installPlugin(source, bin)
    const before = fs.statSync(path.join(bin, 'spinneret')).ino
    expect(installPlugin(source, bin).installed).toEqual([])
    expect(fs.statSync(path.join(bin, 'spinneret')).ino).toBe(before)

    // A runtime executing the old binary holds its inode open: the new one is a new file.
    const held = fs.openSync(path.join(bin, 'spinneret'), 'r')
    fs.writeFileSync(source, '#!/bin/sh\necho newer\n')
    const result = installPlugin(source, bin)
    expect(result.installed).toHaveLength(2)
    expect(fs.statSync(path.join(bin, 'spinneret')).ino).not.toBe(before)
    expect(fs.readFileSync(held, 'utf8')).toBe('#!/bin/sh\necho new\n')
    fs.closeSync(held)
    expect(fs.readFileSync(path.join(bin, 'spinneret'), 'utf8')).toBe('#!/bin/sh\necho newer\n')
  })

  it('names the path when the dir is missing', () => {
    const missing = path.join(dir, 'nope')
    expect(() => installPlugin(source, missing)).toThrow(`cannot install the CNI plugin as ${path.join(missing, 'spinneret')}: no such directory`)
  })
})

describe('installPlugin over a busy binary', () => {
  it('replaces a plugin that is executing at that moment, which runs on undisturbed', async () => {
    const { spawn } = await import('node:child_process')
    // A running executable: writing into it would fail with ETXTBSY; renaming over it does not.
    fs.copyFileSync('/bin/sleep', path.join(bin, 'spinneret'))
    fs.chmodSync(path.join(bin, 'spinneret'), 0o755)
    const busy = spawn(path.join(bin, 'spinneret'), ['30'])
    await new Promise((r) => busy.once('spawn', r))
    try {
      expect(() => fs.writeFileSync(path.join(bin, 'spinneret'), 'x')).toThrow(/ETXTBSY/)
      expect(installPlugin(source, bin).installed).toContain(path.join(bin, 'spinneret'))
      expect(fs.readFileSync(path.join(bin, 'spinneret'), 'utf8')).toBe('#!/bin/sh\necho new\n')
      expect(busy.exitCode).toBeNull()
    } finally {
      busy.kill()
    }
  })
})
