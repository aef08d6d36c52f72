import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/mock-upstream.ts'
import { removeStore, testStorePath } from './processes.ts'

export const CLIENT_KEY = 'sk-test-client-key-0001'
export const UPSTREAM_KEY = 'sk-ant-test-upstream-key-0002'

export const baseEnv = (upstreamUrl: string): Record<string, string> => ({
  RESPONSES_DB_PATH: testStorePath(),
  UPSTREAM_API_URL: upstreamUrl,
  UPSTREAM_API_KEY: UPSTREAM_KEY,
  ALLOWED_API_KEYS: `${CLIENT_KEY}, sk-other-key`,
  UPSTREAM_TIMEOUT: '2',
  UPSTREAM_RETRIES: '0',
  SSE_HEARTBEAT_SECONDS: '0',
  LOG_LEVEL: 'error',
})

/** The environment of a launcher (`bun src/main.ts` or the bundle) in front of `upstreamUrl`: one worker, on 127.0.0.1. */
export const launcherEnv = (upstreamUrl: string, overrides: Record<string, string> = {}): Record<string, string> => ({
  UPSTREAM_API_URL: upstreamUrl,
  UPSTREAM_API_KEY: UPSTREAM_KEY,
  ALLOWED_API_KEYS: CLIENT_KEY,
  HOST: '127.0.0.1',
  WORKERS: '1',
  LOG_LEVEL: 'info',
  ...overrides,
})

export type TestGateway = {
  url: string
  port: number
  /** Requests the server is still answering (a dropped connection no longer counts). */
  pendingRequests: () => number
  mock: MockUpstream
  logs: string[]
  registry: ReturnType<typeof createApp>['registry']
  lifecycle: ReturnType<typeof createApp>['lifecycle']
  store: ReturnType<typeof createApp>['store']
  limitStore: ReturnType<typeof createApp>['limitStore']
  post: (path: string, body: unknown, headers?: Record<string, string>, signal?: AbortSignal) => Promise<Response>
  chat: (body: unknown, headers?: Record<string, string>) => Promise<Response>
  /** Sends a chat request and hangs up after `afterMs`, before or while the answer comes. */
  abandonChat: (body: unknown, afterMs: number) => Promise<void>
  stop: () => Promise<void>
}

/**
 * The gateway in this process on 127.0.0.1 (a real socket, port chosen by the OS) in front of a
 * fresh mock upstream, with UPSTREAM_TIMEOUT=2 s and no retries unless `env` says otherwise.
 */
export const startGateway = async ({
  env = {},
  mock: mockOptions = {},
  idleTimeout = 30,
}: {
  env?: Record<string, string>
  mock?: MockUpstreamOptions
  idleTimeout?: number
} = {}): Promise<TestGateway> => {
  const mock = createMockUpstream({ apiKey: UPSTREAM_KEY, ...mockOptions })
  const config = loadConfig({ ...baseEnv(mock.url), ...env })
  const logs: string[] = []
  const log = createLogger(config.logLevel, (line) => logs.push(line))
  const { app, registry, lifecycle, store, limitStore } = createApp({ config, log, random: () => 0 })
  app.listen({ port: 0, hostname: '127.0.0.1', idleTimeout })
  const port = app.server?.port as number
  const url = `http://127.0.0.1:${port}`
  const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      signal,
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return {
    url,
    port,
    pendingRequests: () => app.server?.pendingRequests ?? 0,
    mock,
    logs,
    registry,
    lifecycle,
    store,
    limitStore,
    post,
    chat: (body, headers) => post('/v1/chat/completions', body, headers),
    abandonChat: async (body, afterMs) => {
      const controller = new AbortController()
      const pending = post('/v1/chat/completions', body, {}, controller.signal).catch(() => undefined)
      await Bun.sleep(afterMs)
      controller.abort()
      await pending
    },
    stop: async () => {
      await app.stop(true)
      mock.stop()
      await store.close()
      removeStore(config.responsesDbPath)
      limitStore?.close()
    },
  }
}

/** The `data:` payloads of an SSE body, in order (comments dropped). */
export const sseData = (text: string) =>
  text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6))

export const sseJson = (text: string) =>
  sseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data))

export const HELLO = { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hello!' }] }

/** A response's JSON body, typed loosely for assertions. */
export const json = (response: Response): Promise<any> => response.json()
