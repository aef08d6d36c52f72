import { afterAll, beforeAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisClient } from 'bun'
import { freePort } from './processes.ts'

export type RedisServer = {
  /** redis://127.0.0.1:<port> */
  url: string
  port: number
  pid: number
  /** SIGSTOP: the server keeps its socket but answers nothing (a hung Redis). */
  pause: () => void
  resume: () => void
  /** Ends the server by PID (SIGTERM, SIGKILL after 2 s) and removes its directory. */
  stop: () => Promise<void>
}

const STARTUP_MS = 5000
const running = new Set<RedisServer>()

/** Stops every server this file started that is still running (for afterAll, after a failed test). */
export const stopRedisServers = async () => {
  await Promise.all([...running].map((server) => server.stop()))
}

/**
 * A redis-server for the calling test file: started before its tests with a raw client beside it
 * (to look at the keys), both ended after them. Read `server` and `raw` inside tests, not before.
 */
export const useRedisServer = () => {
  const redis = {} as { server: RedisServer; raw: RedisClient }
  beforeAll(async () => {
    redis.server = await startRedisServer()
    redis.raw = new RedisClient(redis.server.url)
  })
  afterAll(async () => {
    redis.raw?.close()
    await stopRedisServers()
  })
  return redis
}

/**
 * A real `redis-server` (the Debian package) on 127.0.0.1, on a free port or the one given (to
 * bring a stopped server back where clients expect it), with no persistence. Throws, so that the
 * tests fail rather than skip, when redis-server is not installed.
 */
export const startRedisServer = async ({ port }: { port?: number } = {}): Promise<RedisServer> => {
  const binary = Bun.which('redis-server')
  if (binary === null) {
    throw new Error('redis-server is not installed: apt-get install redis-server (.ci/run installs it when missing)')
  }
  const server = spawnServer(binary, port ?? (await freePort()))
  try {
    await server.answering
    return server
  } catch (error) {
    await server.stop()
    // A free port may be taken between the check and the bind: one more try on another.
    if (port === undefined && server.portTaken()) return startRedisServer()
    throw error
  }
}

const spawnServer = (binary: string, port: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'))
  const logFile = join(dir, 'redis.log')
  const proc = Bun.spawn([binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile], {
    stdout: 'ignore',
    stderr: 'ignore',
  })
  const url = `redis://127.0.0.1:${port}`
  let log = ''
  const answering = waitUntilAnswering(url, proc).catch(async (error: Error) => {
    log = await Bun.file(logFile)
      .text()
      .catch(() => '')
    throw new Error(`${error.message}\nredis-server log:\n${log}`)
  })
  const server = {
    url,
    port,
    pid: proc.pid,
    answering,
    portTaken: () => log.includes('Address already in use'),
    pause: () => proc.kill('SIGSTOP'),
    resume: () => proc.kill('SIGCONT'),
    stop: async () => {
      if (!running.delete(server)) return
      proc.kill('SIGCONT')
      proc.kill('SIGTERM')
      await Promise.race([proc.exited, Bun.sleep(2000)])
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
  running.add(server)
  return server
}

const waitUntilAnswering = async (url: string, proc: ReturnType<typeof Bun.spawn>) => {
  const deadline = performance.now() + STARTUP_MS
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode} at start-up`)
    const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 })
    try {
      await client.connect()
      if ((await client.send('PING', [])) === 'PONG') return
    } catch {
      await Bun.sleep(20)
    } finally {
      client.close()
    }
  }
  throw new Error(`redis-server did not answer on ${url} within ${STARTUP_MS} ms`)
}
