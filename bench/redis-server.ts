// A redis-server of the benchmark's own, for the gateway's limit counters (issue 14): on a free
// 127.0.0.1 port, without persistence, stopped by PID with the other services.

import { RedisClient } from 'bun'
import { type Service, spawnTracked } from './targets.ts'

async function answersPing(port: number): Promise<boolean> {
  const client = new RedisClient(`redis://127.0.0.1:${port}`, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 })
  try {
    await client.connect()
    return (await client.send('PING', [])) === 'PONG'
  } catch {
    return false
  } finally {
    client.close()
  }
}

/** The server, or why there is none (a sentence for the report). */
export async function startRedis(logDir: string): Promise<Service | string> {
  const binary = Bun.which('redis-server')
  if (!binary) return 'redis-server is not installed on this machine'
  const command = (port: number) => [binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', logDir]
  try {
    const { pid, port } = await spawnTracked('redis', command, {}, logDir, answersPing)
    return { name: 'redis', pid, port, url: `redis://127.0.0.1:${port}` }
  } catch (e) {
    return `redis-server did not start: ${(e as Error).message}`
  }
}

/** Keys in the server: a gateway that keeps its counters there leaves some after a request. */
export async function redisKeyCount(redis: Service): Promise<number> {
  const client = new RedisClient(redis.url, { autoReconnect: false, connectionTimeout: 1000 })
  try {
    return Number(await client.send('DBSIZE', []))
  } finally {
    client.close()
  }
}
