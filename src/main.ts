import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import type { LauncherSettings } from './config/launcher-settings.ts'
import { createLogger } from './logging/logger.ts'

/**
 * The launcher (`bun run start`): checks the configuration once, spawns WORKERS worker processes
 * that share PORT with reusePort, restarts a worker that dies (backoff 0.5 s doubling to 10 s),
 * exits non-zero on a crash loop (5 deaths in 60 s) so the container restarts, and forwards
 * SIGTERM/SIGINT to each worker by PID, exiting when they have.
 */

/**
 * Bun's fetch holds at most 256 requests at once by default and queues the rest: a gateway with
 * more open streams than that would stall them. An operator's own value wins.
 */
const WORKER_ENV: Record<string, string | undefined> = { BUN_CONFIG_MAX_HTTP_REQUESTS: '16384', ...process.env }
// The workers share their limit counters through one SQLite file (see sqlite-limit-store.ts);
// without LIMITS_DB_PATH it lives in a directory of this launch, removed when the launcher exits.
// Nothing needs it after an OS crash, so it skips fsync: on a disk, the WAL checkpoints' fsyncs
// cost more than the checks (70 against 26 µs a check and settlement here).
if (!WORKER_ENV.LIMITS_DB_PATH) {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-limits-'))
  WORKER_ENV.LIMITS_DB_SYNC ??= 'off'
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  WORKER_ENV.LIMITS_DB_PATH = join(dir, 'limits.sqlite')
}
// The check and the workers are the launcher's neighbours in the form it runs in: the TypeScript
// in src/, or the bundle `bun run build` writes to dist/ (which the container runs).
const EXT = extname(import.meta.path)
const checked = Bun.spawnSync([process.execPath, join(import.meta.dir, 'config', `launcher-settings${EXT}`)], {
  env: WORKER_ENV,
  stdin: 'ignore',
  stdout: 'pipe',
  stderr: 'inherit',
})
// The check has said what is wrong on stderr (one line); its exit code is the launcher's.
if (checked.exitCode !== 0) process.exit(checked.exitCode ?? 2)
const config = JSON.parse(checked.stdout.toString()) as LauncherSettings
const log = createLogger(config.logLevel)
const WORKER = join(import.meta.dir, `server${EXT}`)
const CRASH_WINDOW_MS = 60_000
const CRASH_LIMIT = 5

const workers = new Set<ReturnType<typeof Bun.spawn>>()
/** One line and a non-zero exit, as a worker does for its own port: most often the port is taken. */
const startMetricsServer = async () => {
  // Loaded only when asked for: the launcher keeps to what it uses.
  const { createMetricsServer } = await import('./metrics/metrics-server.ts')
  if (config.metricsPort === config.port) {
    process.stderr.write(`configuration error: METRICS_PORT must differ from PORT (${config.port})\n`)
    process.exit(2)
  }
  try {
    return createMetricsServer({ hostname: config.host, port: config.metricsPort, workers: () => workers })
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message
    log.error({ msg: `cannot listen on ${config.host}:${config.metricsPort} for metrics (${code})`, pid: process.pid })
    process.exit(1)
  }
}
const metricsServer = config.metricsEnabled ? await startMetricsServer() : undefined
const crashes: number[] = []
let stopping = false
let exitCode = 0

const spawnWorker = (slot: number, delayMs: number) => {
  const proc = Bun.spawn([process.execPath, WORKER], {
    env: WORKER_ENV,
    stdio: ['ignore', 'inherit', 'inherit'],
    ...(metricsServer ? { ipc: (message: unknown, child: { pid: number }) => metricsServer.onWorkerMessage(child.pid, message) } : {}),
    onExit(_proc, code, signal) {
      workers.delete(proc)
      if (stopping) {
        if (code !== 0 && code !== null) exitCode = code
        if (workers.size === 0) process.exit(exitCode)
        return
      }
      const now = performance.now()
      crashes.push(now)
      while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift()
      log.warn({ msg: 'worker exited', pid: proc.pid, code, signal, recent_crashes: crashes.length })
      if (crashes.length >= CRASH_LIMIT) {
        log.error({ msg: 'workers keep crashing; exiting so the supervisor restarts the gateway', crashes: crashes.length })
        stop('crash loop', 1)
        return
      }
      const next = Math.min(10_000, Math.max(500, delayMs * 2))
      setTimeout(() => !stopping && spawnWorker(slot, next), delayMs)
    },
  })
  workers.add(proc)
}

const stop = (reason: string, code: number) => {
  if (stopping) return
  stopping = true
  exitCode = code
  log.info({ msg: 'stopping workers', reason, workers: workers.size })
  metricsServer?.stop()
  if (workers.size === 0) process.exit(code)
  for (const worker of workers) process.kill(worker.pid, 'SIGTERM')
}

for (let slot = 0; slot < config.workers; slot++) spawnWorker(slot, 500)
log.info({ msg: 'launcher started', workers: config.workers, port: config.port, metrics_port: metricsServer?.port, pid: process.pid })
process.on('SIGTERM', () => stop('SIGTERM', 0))
process.on('SIGINT', () => stop('SIGINT', 0))
