import { createAdaptorServer } from '@hono/node-server'
import { rmSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { Server } from 'node:net'
import { readServiceConfig } from './config.ts'
import { listenOnPrivateSocket } from './listen-socket.ts'
import { wireService } from './wire.ts'

/**
 * `npm start`: every function in one process on Node. The IPAM API listens on a unix socket
 * (reachable from the CNI plugin in any network namespace, only by root: mode 0600); health and
 * metrics on loopback TCP; the admission webhooks on HTTPS (WEBHOOK_PORT, 0 = off); the
 * dispatcher runs the reconcile functions.
 */
const config = readServiceConfig(process.env)
const { ipam, ops, admission, log, readiness, startDispatcher, startWebhookTls } = wireService(config)
void readiness.start()

const ipamServer = createAdaptorServer({ fetch: ipam.fetch })
listenOnPrivateSocket(ipamServer as Server, config.IPAM_SOCKET, () => {
  log.info('IPAM API listening', { socket: config.IPAM_SOCKET, runtime: 'node' })
})
const opsServer = createAdaptorServer({ fetch: ops.fetch })
opsServer.listen(config.HTTP_PORT, config.HTTP_HOST, () => {
  const address = opsServer.address()
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT
  log.info('health and metrics listening', { host: config.HTTP_HOST, port })
})
let webhookServer: HttpsServer | undefined
let stopWebhookTls = () => {}
if (config.WEBHOOK_PORT > 0) {
  // A renewed certificate is swapped in for new connections, without a restart.
  const tls = await startWebhookTls((renewed) => webhookServer?.setSecureContext(renewed))
  stopWebhookTls = tls.stop
  webhookServer = createAdaptorServer({
    fetch: admission.fetch,
    createServer: createHttpsServer,
    serverOptions: { cert: tls.cert, key: tls.key },
  }) as HttpsServer
  webhookServer.on('error', (error) => {
    log.error('admission webhooks cannot listen', { host: config.WEBHOOK_HOST, port: config.WEBHOOK_PORT, error })
    process.exit(1)
  })
  webhookServer.listen(config.WEBHOOK_PORT, config.WEBHOOK_HOST, () =>
    log.info('admission webhooks listening', { host: config.WEBHOOK_HOST, port: config.WEBHOOK_PORT, runtime: 'node' }),
  )
}
const dispatcher = await startDispatcher()

// Leaving a reconcile or scan half done is safe (every write is conditional and the next pass
// decides again), so shutdown waits for them only briefly.
const STOP_GRACE_MS = 2000
const stop = async () => {
  readiness.stop()
  ipamServer.close()
  opsServer.close()
  webhookServer?.close()
  stopWebhookTls()
  rmSync(config.IPAM_SOCKET, { force: true })
  await Promise.race([dispatcher.stop(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))])
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
