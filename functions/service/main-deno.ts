// The same service on Deno: only the listening differs from main-node.ts.
import { readServiceConfig } from './config.ts'
import { wireService } from './wire.ts'

declare const Deno: {
  env: { toObject(): Record<string, string> }
  serve(options: Record<string, unknown>, handler: (request: Request) => Response | Promise<Response>): { shutdown(): Promise<void> }
  removeSync(path: string): void
  mkdirSync(path: string, options: { recursive: boolean; mode?: number }): void
  umask(mask?: number): number
}

const config = readServiceConfig(Deno.env.toObject())
const { ipam, ops, metricsApp, admission, log, readiness, liveness, startDuties, startWebhookTls } = wireService(config)
void readiness.start()
liveness.start()

Deno.mkdirSync(config.IPAM_SOCKET.replace(/\/[^/]*$/, '') || '/', { recursive: true, mode: 0o755 })
try {
  Deno.removeSync(config.IPAM_SOCKET)
} catch {
  // no stale socket
}
// Mode 0600 from the moment the socket exists (see listen-socket.ts): Deno binds inside serve().
const previousUmask = Deno.umask(0o177)
try {
  Deno.serve(
    {
      transport: 'unix',
      path: config.IPAM_SOCKET,
      onListen: () => log.info('IPAM API listening', { socket: config.IPAM_SOCKET, runtime: 'deno' }),
    },
    ipam.fetch,
  )
} finally {
  Deno.umask(previousUmask)
}
Deno.serve(
  {
    hostname: config.HTTP_HOST,
    port: config.HTTP_PORT,
    onListen: ({ port }: { port: number }) => log.info('health listening', { host: config.HTTP_HOST, port }),
  },
  ops.fetch,
)
Deno.serve(
  {
    hostname: config.HTTP_HOST,
    port: config.METRICS_PORT,
    onListen: ({ port }: { port: number }) => log.info('metrics listening', { host: config.HTTP_HOST, port }),
  },
  metricsApp.fetch,
)
if (config.WEBHOOK_PORT > 0) {
  const serveWebhooks = (cert: string, key: string) =>
    Deno.serve(
      {
        hostname: config.WEBHOOK_HOST,
        port: config.WEBHOOK_PORT,
        cert,
        key,
        onListen: ({ port }: { port: number }) => log.info('admission webhooks listening', { host: config.WEBHOOK_HOST, port, runtime: 'deno' }),
      },
      admission.fetch,
    )
  // Deno cannot swap a listener's certificate: a renewed one gets a new listener on the same port.
  let webhooks: { shutdown(): Promise<void> } | undefined
  const tls = await startWebhookTls(async (renewed) => {
    await webhooks?.shutdown()
    webhooks = serveWebhooks(renewed.cert, renewed.key)
  })
  webhooks = serveWebhooks(tls.cert, tls.key)
}
startDuties()
