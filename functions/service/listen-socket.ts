import { mkdirSync, rmSync } from 'node:fs'
import type { Server } from 'node:net'
import { dirname } from 'node:path'
import process from 'node:process'

/** Only the service's user (root) may connect: the IPAM API allocates and releases for any pod. */
export const SOCKET_MODE = 0o600
const SOCKET_UMASK = 0o777 & ~SOCKET_MODE

/**
 * Binds `server` to a unix socket that is mode 0600 from the moment it exists. bind(2) creates the
 * file with 0777 & ~umask; a chmod afterwards (as before) left a moment in which, under a
 * permissive umask, any local user could connect, and a connection once made survives the chmod.
 * The umask is narrowed only for the bind, which Node does synchronously inside listen().
 * A missing directory is made 0755, as the kubelet makes the DaemonSet's hostPath.
 */
export function listenOnPrivateSocket(server: Server, path: string, onListening: () => void): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 })
  rmSync(path, { force: true })
  const previous = process.umask(SOCKET_UMASK)
  try {
    server.listen(path, onListening)
  } finally {
    process.umask(previous)
  }
}
