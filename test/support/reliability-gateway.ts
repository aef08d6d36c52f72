import { readdirSync, readFileSync } from 'node:fs'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { childPids, freePort, removeStore, type Spawned, spawnBun } from './processes.ts'
import { baseEnv, CLIENT_KEY, UPSTREAM_KEY } from './test-gateway.ts'

/** RSS (bytes) and open fds of one process, from /proc. */
export const procStats = (pid: number): { rss: number; fds: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN)
  return { rss: kb * 1024, fds: readdirSync(`/proc/${pid}/fd`).length }
}

export const MiB = 1024 * 1024

const isWorkerOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server.ts')
  } catch {
    return false
  }
}

export type ChildGateway = {
  port: number
  base: string
  launcher: Spawned
  /** The first worker's PID (the only one with WORKERS=1, the default here). */
  workerPid: number
  stats: () => { rss: number; fds: number }
  /** Ends the launcher (SIGTERM) and its worker (SIGKILL, by PID), then the launcher if still up. */
  stop: () => Promise<void>
}

/**
 * `bun src/main.ts` with WORKERS=1 (unless `env` says otherwise) on 127.0.0.1 and a port chosen now, in front of `upstreamUrl`.
 * UPSTREAM_TIMEOUT=10, no retries, no heartbeat, grace 1 s unless `env` says otherwise.
 */
export const startChildGateway = async (upstreamUrl: string, env: Record<string, string> = {}): Promise<ChildGateway> => {
  const port = await freePort()
  const launcher = spawnBun('src/main.ts', {
    UPSTREAM_API_URL: upstreamUrl,
    UPSTREAM_API_KEY: UPSTREAM_KEY,
    ALLOWED_API_KEYS: CLIENT_KEY,
    UPSTREAM_TIMEOUT: '10',
    UPSTREAM_RETRIES: '0',
    SSE_HEARTBEAT_SECONDS: '0',
    SHUTDOWN_GRACE_SECONDS: '1',
    LOG_LEVEL: 'warn',
    WORKERS: '1',
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
  })
  // Ready when /health answers (independent of LOG_LEVEL); bounded to 8 s.
  let workers: number[] = []
  const deadline = performance.now() + 8000
  for (;;) {
    const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)
    workers = await childPids(launcher.proc.pid)
    if (health?.status === 200 && workers.length >= Number(env.WORKERS ?? 1)) break
    if (performance.now() > deadline || launcher.proc.exitCode !== null) {
      launcher.proc.kill('SIGKILL')
      for (const pid of workers) if (isWorkerOf(pid)) process.kill(pid, 'SIGKILL')
      throw new Error(`the gateway did not start; output:\n${launcher.output()}`)
    }
    await Bun.sleep(25)
  }
  const workerPid = workers[0] as number
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    launcher,
    workerPid,
    stats: () => procStats(workerPid),
    stop: async () => {
      const pids = await childPids(launcher.proc.pid)
      if (launcher.proc.exitCode === null) launcher.proc.kill('SIGTERM')
      await Bun.sleep(20)
      for (const pid of pids) if (isWorkerOf(pid)) process.kill(pid, 'SIGKILL')
      await Promise.race([launcher.exited, Bun.sleep(3000)])
      if (launcher.proc.exitCode === null) launcher.proc.kill('SIGKILL')
    },
  }
}

export const AUTH = { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' } as const

/** A chat request body whose user text carries `marker`, so the upstream can tell requests apart. */
export const chatBody = (marker: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: `hello ${marker}` }], ...extra })

/** One line per measured figure, easy to grep from the test output. */
export const report = (id: string, figures: Record<string, unknown>) => {
  console.log(`[reliability] ${id} ${JSON.stringify(figures)}`)
}

export type InProcessGateway = {
  port: number
  base: string
  mock: MockUpstream
  logs: string[]
  stop: () => Promise<void>
}

/**
 * The app of src/server.ts in this process, listening as the worker does (idleTimeout and the
 * maxRequestBodySize backstop included), but with `idleTimeout` chosen by the test so that the
 * server's idle cut can be observed in seconds instead of 30.
 */
export const startInProcessGateway = async ({
  env = {},
  idleTimeout = 30,
}: {
  env?: Record<string, string>
  idleTimeout?: number
} = {}): Promise<InProcessGateway> => {
  const mock = createMockUpstream({ apiKey: UPSTREAM_KEY })
  const config = loadConfig({ ...baseEnv(mock.url), ...env })
  const logs: string[] = []
  const { app, store } = createApp({ config, log: createLogger(config.logLevel, (line) => logs.push(line)) })
  app.listen({ port: 0, hostname: '127.0.0.1', idleTimeout, maxRequestBodySize: config.maxBodyBytes + 64 * 1024 })
  const port = app.server?.port as number
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    mock,
    logs,
    stop: async () => {
      await app.stop(true)
      mock.stop()
      await store.close()
      removeStore(config.responsesDbPath)
    },
  }
}
