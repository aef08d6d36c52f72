import { createApp } from './app.ts'
import { loadConfigOrExit } from './config/load-config-or-exit.ts'
import { OpenAIError } from './errors/openai-error.ts'
import { createLogger } from './logging/logger.ts'
import { buildPoolMembers } from './upstream/pool-members.ts'

/**
 * One worker process: the app on PORT with reusePort, so the launcher's workers share the port.
 * On SIGTERM it drains: no new connections, streams in flight run on until the grace period,
 * then get a `shutting_down` error chunk and `[DONE]`, and the process exits 0.
 */
const { config } = loadConfigOrExit(process.env, buildPoolMembers)
const log = createLogger(config.logLevel)
const { app, registry, lifecycle, metrics } = createApp({ config, log })

try {
  app.listen({
    port: config.port,
    hostname: config.host,
    reusePort: true,
    // Finite against slowloris; each chat request turns its own timer off once its body is read.
    idleTimeout: 30,
    // Not Bun's limit: it answers on the declared length alone, before auth (a wrong key must get
    // 401) and with an empty body. The auth plugin checks the declared length, the body reader
    // counts chunked bodies, and neither buffers past MAX_BODY_BYTES.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  })
} catch (error) {
  // One line, not a stack: most often the port is taken by a process that is not a worker of ours.
  const code = (error as { code?: string }).code ?? (error as Error).message
  log.error({ msg: `cannot listen on ${config.host}:${config.port} (${code})`, pid: process.pid })
  process.exit(1)
}
const server = app.server
if (!server) throw new Error('the server did not start')
log.info({ msg: 'listening', url: `http://${config.host}:${server.port}`, port: server.port, pid: process.pid })

// The launcher asks each worker for its counters over IPC and serves their sum on METRICS_PORT.
if (metrics) process.on('message', (message) => message === 'metrics' && process.send?.({ metrics: metrics.snapshot() }))

const shuttingDown = () =>
  new OpenAIError({ status: 503, type: 'server_error', code: 'shutting_down', message: 'The gateway is restarting; retry the request' })

const drain = async (signal: string) => {
  if (lifecycle.draining) return
  lifecycle.draining = true
  log.info({ msg: 'draining', signal, open_streams: registry.size, grace_seconds: config.shutdownGraceSeconds })
  const stopped = server.stop(false)
  const graceMs = config.shutdownGraceSeconds * 1000
  await Promise.race([stopped, registry.settled(graceMs).then(() => stopped), Bun.sleep(graceMs)])
  registry.abortAll(shuttingDown())
  await Promise.race([stopped, Bun.sleep(1000)])
  log.info({ msg: 'stopped', pid: process.pid })
  process.exit(0)
}
process.on('SIGTERM', () => void drain('SIGTERM'))
process.on('SIGINT', () => void drain('SIGINT'))
