import { createAdaptorServer } from '@hono/node-server'
import { rmSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { Server } from 'node:net'
import { readServiceConfig } from './config.ts'
import { listenOnPrivateSocket } from './listen-socket.ts'
import { wireService } from './wire.ts'

/**
 * `npm start`: every function in one process on Node. The IPAM API listens on a unix socket
 * (reachable from the CNI plugin in any network namespace, only by root: mode 0600); health on
 * loopback TCP (HTTP_PORT), metrics beside it (METRICS_PORT); the admission webhooks on HTTPS
 * (WEBHOOK_PORT, 0 = off); the duties run the reconcile functions.
 */
const config = readServiceConfig(process.env)
const { ipam, ops, metricsApp, admission, log, readiness, liveness, startDuties, startWebhookTls } = wireService(config)
void readiness.start()
liveness.start()

// Spiderpool's Go client dials the socket with an empty Host header; `hostname` stands in for it.
const ipamServer = createAdaptorServer({ fetch: ipam.fetch, hostname: 'localhost' })
listenOnPrivateSocket(ipamServer as Server, config.IPAM_SOCKET, () => {
  log.info('IPAM API listening', { socket: config.IPAM_SOCKET, runtime: 'node' })
})
const opsServer = createAdaptorServer({ fetch: ops.fetch })
opsServer.listen(config.HTTP_PORT, config.HTTP_HOST, () => {
  const address = opsServer.address()
  const port = typeof address === 'object' && address ? address.port : config.HTTP_PORT
  log.info('health listening', { host: config.HTTP_HOST, port })
})
const metricsServer = createAdaptorServer({ fetch: metricsApp.fetch })
metricsServer.listen(config.METRICS_PORT, config.HTTP_HOST, () => {
  const address = metricsServer.address()
  const port = typeof address === 'object' && address ? address.port : config.METRICS_PORT
  log.info('metrics listening', { host: config.HTTP_HOST, port })
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
const stopDuties = startDuties()

// Leaving a reconcile or scan half done is safe (every write is conditional and the next pass
// decides again), so shutdown waits for them only briefly.
const STOP_GRACE_MS = 2000
const stop = async () => {
  readiness.stop()
  liveness.stop()
  ipamServer.close()
  opsServer.close()
  metricsServer.close()
  webhookServer?.close()
  stopWebhookTls()
  rmSync(config.IPAM_SOCKET, { force: true })
  // The leader gives its Lease up first thing, so that another replica takes over at once.
  await Promise.race([stopDuties(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))])
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.once('SIGINT', () => void stop())
