import { describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from '../../src/config/load-config.ts'
import { buildPoolMembers } from '../../src/upstream/pool-members.ts'

const CLIENT = { ALLOWED_API_KEYS: 'client' }
const SECRET = 'sk-ant-very-secret'
const entry = (extra: Record<string, unknown> = {}) => ({ name: 'main', url: 'https://api.anthropic.com/v1/messages', key: SECRET, ...extra })
const members = (env: Record<string, string>) => buildPoolMembers(loadConfig({ ...CLIENT, ...env }))
const pooled = (entries: unknown) => members({ UPSTREAMS_JSON: JSON.stringify(entries) })

const startUpError = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as Error).message
    expect(message).not.toContain(SECRET)
    expect(message).not.toContain('\n')
    return message
  }
  throw new Error('expected a ConfigError')
}

describe('the upstream pool configuration', () => {
  test('the old variables are a pool of one named default', () => {
    const [only, ...rest] = members({ UPSTREAM_API_URL: 'https://relay.example/v1/messages?x=1', UPSTREAM_API_KEY: SECRET })
    expect(rest).toEqual([])
    expect(only).toMatchObject({ name: 'default', weight: 1, cache: 'breakpoints', models: undefined, betas: undefined })
    expect(only?.urls).toEqual({ messages: 'https://relay.example/v1/messages?x=1', count_tokens: 'https://relay.example/v1/messages/count_tokens?x=1' })
    expect(only?.headers['x-api-key']).toBe(SECRET)
  })

  test('several comma-separated keys: one member per key, default-1, default-2…', () => {
    const pool = members({ UPSTREAM_API_URL: 'https://api.anthropic.com/v1/messages', UPSTREAM_API_KEY: 'k1, k2 ,k3' })
    expect(pool.map((m) => [m.name, m.headers['x-api-key'], m.cache])).toEqual([
      ['default-1', 'k1', 'top-level'],
      ['default-2', 'k2', 'top-level'],
      ['default-3', 'k3', 'top-level'],
    ])
  })

  test('UPSTREAMS_JSON: weight, models, headers over the extra headers, cache mode, accepted betas', () => {
    const [main, vertex] = buildPoolMembers(
      loadConfig({
        ...CLIENT,
        UPSTREAM_ANTHROPIC_BETA: 'context-1m,fine-grained-tool-streaming',
        UPSTREAM_EXTRA_HEADERS_JSON: JSON.stringify({ 'x-team': 'red', 'x-app': 'cli' }),
        UPSTREAMS_JSON: JSON.stringify([
          entry({ weight: 3 }),
          entry({
            name: 'vertex',
            url: 'https://proxy.example/v1/messages',
            models: ['claude-sonnet-4-5'],
            headers: { 'x-team': 'blue', 'x-app': '' },
            cache: 'off',
            betas: ['context-1m'],
          }),
        ]),
      }),
    )
    expect(main).toMatchObject({ name: 'main', weight: 3, cache: 'top-level' })
    expect(main?.headers).toMatchObject({ 'x-team': 'red', 'x-app': 'cli', 'anthropic-beta': 'context-1m,fine-grained-tool-streaming' })
    expect(vertex).toMatchObject({ name: 'vertex', weight: 1, cache: 'off' })
    expect([...(vertex?.models ?? [])]).toEqual(['claude-sonnet-4-5'])
    expect(vertex?.headers).toMatchObject({ 'x-team': 'blue', 'anthropic-beta': 'context-1m' })
    expect(vertex?.headers['x-app']).toBeUndefined()
  })

  test.each([
    ['not JSON', '[{', 'UPSTREAMS_JSON: expected a JSON array of upstreams, got invalid JSON'],
    ['an object', '{}', 'UPSTREAMS_JSON: expected a non-empty JSON array of upstreams'],
    ['no key', JSON.stringify([{ name: 'a', url: 'https://x/v1/messages' }]), 'UPSTREAMS_JSON: entry 1 ("a") key: '],
    ['a bad name', JSON.stringify([entry({ name: 'a b' })]), 'UPSTREAMS_JSON: entry 1 ("a b") name: 1 to 64 of'],
    ['a zero weight', JSON.stringify([entry(), entry({ name: 'b', weight: 0 })]), 'UPSTREAMS_JSON: entry 2 ("b") weight: '],
    ['an unknown field', JSON.stringify([entry({ keys: ['x'] })]), 'UPSTREAMS_JSON: entry 1 ("main") keys: not a known field'],
    ['an unknown cache mode', JSON.stringify([entry({ cache: 'auto' })]), 'UPSTREAMS_JSON: entry 1 ("main") cache: '],
    ['a name twice', JSON.stringify([entry(), entry()]), 'UPSTREAMS_JSON: entry 2 ("main") name: used twice'],
  ])('%s → one line naming the entry and field', (_, raw, start) => {
    expect(startUpError(() => loadConfig({ ...CLIENT, UPSTREAMS_JSON: raw }))).toStartWith(start)
  })

  test.each([
    ['a bad URL', [entry({ url: `ftp://user:${SECRET}@x` })], 'UPSTREAMS_JSON: entry 1 ("main") url: expected an http:// or https:// URL'],
    ['a key a header cannot carry', [entry({ key: `${SECRET}\u2010` })], 'UPSTREAMS_JSON: entry 1 ("main") key: character 19 (U+2010)'],
    ['a hop-by-hop header', [entry({ headers: { connection: 'close' } })], 'UPSTREAMS_JSON: entry 1 ("main") headers: header connection cannot be set'],
  ])('%s → stops start-up at the pool, naming entry and field', (_, entries, start) => {
    expect(startUpError(() => pooled(entries))).toStartWith(start)
  })

  test('UPSTREAMS_JSON replaces UPSTREAM_API_URL/KEY: both set is an error, neither is required', () => {
    expect(startUpError(() => members({ UPSTREAM_API_URL: 'https://x/v1/messages', UPSTREAMS_JSON: JSON.stringify([entry()]) }))).toStartWith(
      'UPSTREAMS_JSON: set together with UPSTREAM_API_URL',
    )
    expect(startUpError(() => loadConfig({ ...CLIENT }))).toBe('UPSTREAM_API_URL: required, but not set')
  })
})
