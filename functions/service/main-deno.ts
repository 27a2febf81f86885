// The same service on Deno: only the listening differs from main-node.ts.
import { readServiceConfig } from './config.ts'
import { wireService } from './wire.ts'

declare const Deno: {
  env: { toObject(): Record<string, string> }
  serve(options: Record<string, unknown>, handler: (request: Request) => Response | Promise<Response>): unknown
  removeSync(path: string): void
  mkdirSync(path: string, options: { recursive: boolean }): void
  chmodSync(path: string, mode: number): void
}

const config = readServiceConfig(Deno.env.toObject())
const { ipam, ops, log, readiness, startDispatcher } = wireService(config)
void readiness.start()

Deno.mkdirSync(config.IPAM_SOCKET.replace(/\/[^/]*$/, '') || '/', { recursive: true })
try {
  Deno.removeSync(config.IPAM_SOCKET)
} catch {
  // no stale socket
}
Deno.serve(
  {
    transport: 'unix',
    path: config.IPAM_SOCKET,
    onListen: () => {
      Deno.chmodSync(config.IPAM_SOCKET, 0o600)
      log.info('IPAM API listening', { socket: config.IPAM_SOCKET, runtime: 'deno' })
    },
  },
  ipam.fetch,
)
Deno.serve(
  {
    hostname: config.HTTP_HOST,
    port: config.HTTP_PORT,
    onListen: ({ port }: { port: number }) => log.info('health and metrics listening', { host: config.HTTP_HOST, port }),
  },
  ops.fetch,
)
await startDispatcher()
