import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load-config.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.ts'
import { freePort } from './processes.ts'
import { baseEnv, CLIENT_KEY } from './test-gateway.ts'

export type PoolUpstream = { name: string; weight?: number; models?: string[]; cache?: string; betas?: string[]; refused?: boolean }

/**
 * The gateway in this process in front of several mock upstreams, each on its own port with its
 * own key (`sk-ant-pool-<name>-secret`); a `refused` one is a port nobody listens on.
 */
export const startPoolGateway = async (upstreams: readonly PoolUpstream[], env: Record<string, string> = {}) => {
  const mocks = new Map<string, MockUpstream>()
  const entries = []
  for (const { refused, ...upstream } of upstreams) {
    const key = `sk-ant-pool-${upstream.name}-secret`
    let url: string
    if (refused) url = `http://127.0.0.1:${await freePort()}/v1/messages`
    else {
      const mock = createMockUpstream({ apiKey: key })
      mocks.set(upstream.name, mock)
      url = mock.url
    }
    entries.push({ ...upstream, url, key })
  }
  const { UPSTREAM_API_URL: _, UPSTREAM_API_KEY: __, ...rest } = baseEnv('http://unused')
  const config = loadConfig({ ...rest, UPSTREAMS_JSON: JSON.stringify(entries), LOG_LEVEL: 'debug', ...env })
  const logs: string[] = []
  const { app, pool } = createApp({ config, log: createLogger(config.logLevel, (line) => logs.push(line)), random: () => 0 })
  app.listen({ port: 0, hostname: '127.0.0.1' })
  const url = `http://127.0.0.1:${app.server?.port}`
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  const mock = (name: string) => mocks.get(name) as MockUpstream
  return {
    url,
    logs,
    pool,
    mock,
    keys: entries.map((entry) => entry.key),
    post,
    chat: (body: unknown, headers?: Record<string, string>) => post('/v1/chat/completions', body, headers),
    /** Which mock got how many requests (and forgets them). */
    served: () => Object.fromEntries([...mocks].map(([name, m]) => [name, m.requests.splice(0).length])),
    /** The request log lines, parsed. */
    requestLines: () => logs.filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line)),
    reset: () => {
      for (const m of mocks.values()) m.reset()
      logs.length = 0
    },
    stop: async () => {
      await app.stop(true)
      for (const m of mocks.values()) m.stop()
    },
  }
}

export type PoolGateway = Awaited<ReturnType<typeof startPoolGateway>>
