import { RedisClient } from 'bun'

/** How long any Redis call may take, connecting included, before the caller gets a failure. */
export const REDIS_TIMEOUT_MS = 1000

export type RedisConnection = {
  /** One command; rejects with RedisUnavailableError when not answered within the timeout. */
  call(command: string, args: string[]): Promise<unknown>
  close(): void
}

/** Redis did not answer (refused, timed out, closed) or answered with an error. Never holds a password. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError'
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`, for messages and logs. */
export const redactRedisUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.href
  } catch {
    return '(unparseable Redis URL)'
  }
}

/**
 * One connection whose calls are bounded in time. Bun's client (1.4.5) is configured so that
 * nothing can hang: with `enableOfflineQueue` on, a command sent while disconnected waits for the
 * reconnect, and with `autoReconnect` on, the client gives up for good after `maxRetries` attempts
 * (~30 s with the defaults) and then rejects every command until `connect()` is called. So the offline queue is off,
 * the client's own reconnect is off, and this wrapper connects on demand (one attempt shared by
 * concurrent callers). A call that times out closes the connection: its pending commands are
 * rejected at once instead of piling up behind a server that stopped answering.
 */
export const createRedisConnection = (url: string, timeoutMs = REDIS_TIMEOUT_MS): RedisConnection => {
  const where = redactRedisUrl(url)
  const options = { enableOfflineQueue: false, autoReconnect: false, connectionTimeout: timeoutMs }
  let client = new RedisClient(url, options)
  let connecting: Promise<void> | undefined
  let closed = false

  const replace = (stale: RedisClient) => {
    if (client !== stale || closed) return
    stale.close()
    client = new RedisClient(url, options)
    connecting = undefined
  }

  const connected = (current: RedisClient): Promise<void> => {
    if (current.connected) return Promise.resolve()
    if (connecting) return connecting
    const attempt = current.connect().finally(() => {
      if (connecting === attempt) connecting = undefined
    })
    connecting = attempt
    return attempt
  }

  const call = async (command: string, args: string[]): Promise<unknown> => {
    if (closed) throw new RedisUnavailableError(`Redis connection to ${where} is closed`)
    const current = client
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // This client may sit on a dead socket: closing it rejects what waits on it at once.
        replace(current)
        reject(new RedisUnavailableError(`Redis at ${where} did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([connected(current).then(() => current.send(command, args)), timeout])
    } catch (error) {
      if (error instanceof RedisUnavailableError) throw error
      throw new RedisUnavailableError(`Redis at ${where}: ${(error as Error).message}`)
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    call,
    close: () => {
      closed = true
      client.close()
    },
  }
}
