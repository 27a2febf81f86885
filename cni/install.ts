/**
 * `spinneret install <dir>`: how the DaemonSet's init container puts the plugin on the node.
 * The plugin copies itself into the host's CNI bin dir under its own name and Spiderpool's
 * (`spiderpool`, so network configs written for Spiderpool find it), each atomically: written
 * to a temporary name in the same dir, synced, then renamed over the old one. A runtime that
 * executes the plugin at that moment runs either the old binary or the new one, never a
 * half-written file; a running old binary is not in the way (rename replaces the name, not the
 * file being executed), so an upgrade needs no node drain. An identical binary is left alone.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const PLUGIN_NAMES = ['spinneret', 'spiderpool'] as const

export interface InstallResult {
  installed: string[]
  unchanged: string[]
}

const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

const sameContent = (a: string, b: string) => {
  try {
    return fs.statSync(a).size === fs.statSync(b).size && digest(a) === digest(b)
  } catch {
    return false
  }
}

/** Says which path failed and why, in words an operator can act on. */
function installError(target: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code
  const reason =
    code === 'EROFS'
      ? 'read-only file system'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOENT'
          ? "no such directory (mount the host's CNI bin dir, e.g. /opt/cni/bin, there)"
          : code === 'ENOSPC'
            ? 'no space left on device'
            : (e as Error).message
  return new Error(`cannot install the CNI plugin as ${target}: ${reason}`)
}

/** Copies `source` into `dir` under every name of PLUGIN_NAMES. @throws naming the path */
export function installPlugin(source: string, dir: string): InstallResult {
  const result: InstallResult = { installed: [], unchanged: [] }
  for (const name of PLUGIN_NAMES) {
    const target = path.join(dir, name)
    if (sameContent(source, target)) {
      result.unchanged.push(target)
      continue
    }
    const temporary = path.join(dir, `.${name}.install-${process.pid}`)
    try {
      fs.copyFileSync(source, temporary)
      fs.chmodSync(temporary, 0o755)
      const fd = fs.openSync(temporary, 'r')
      try {
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(temporary, target)
    } catch (e) {
      try {
        fs.rmSync(temporary, { force: true })
      } catch {
        // A read-only dir cannot hold the temporary file either; the first error is the one to tell.
      }
      throw installError(target, e)
    }
    result.installed.push(target)
  }
  // The renames are durable once the directory is synced too.
  try {
    const fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
    fs.closeSync(fd)
  } catch {
    // Some file systems refuse fsync on a directory; the renames happened either way.
  }
  return result
}
