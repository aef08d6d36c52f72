import { describe, expect, test } from 'bun:test'
import { availableParallelism } from 'node:os'
import { ENV_VARS, MAX_TIMER_MS } from '../../src/config/env-schema.ts'
import { ConfigError, loadConfig } from '../../src/config/load-config.ts'
import { buildUpstreamHeaders } from '../../src/upstream/upstream-headers.ts'

const REQUIRED = { UPSTREAM_API_URL: 'https://api.example.com/v1/messages?beta=true', UPSTREAM_API_KEY: 'sk-upstream-secret', ALLOWED_API_KEYS: ' a , ,b ' }
const load = (env: Record<string, string> = {}) => loadConfig({ ...REQUIRED, ...env })
const errorOf = (env: Record<string, string | undefined>) => {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('defaults: the old Flask proxy values', () => {
  test('every default', () => {
    const config = load()
    expect(config).toMatchObject({
      defaultModel: undefined,
      defaultMaxTokens: 4096,
      maxTokensHardLimit: 16384,
      maxTokensDynamic: false,
      tokenEstCharsPerToken: 4,
      dynamicSafetyMargin: 1024,
      imageTokenEquiv: 256,
      upstreamAnthropicVersion: '2023-06-01',
      upstreamAnthropicBeta: undefined,
      upstreamUserAgent: undefined,
      upstreamXApp: undefined,
      upstreamAnthropicDangerous: false,
      upstreamExtraHeaders: {},
      corsOrigins: [],
      upstreamProxyUrl: undefined,
      defaultProxyUrl: undefined,
      port: 5000,
      upstreamTimeoutSeconds: 600,
      clientIdleTimeoutSeconds: 600,
      upstreamRetries: 2,
      sseHeartbeatSeconds: 15,
      maxBodyBytes: 10 * 1024 * 1024,
      maxN: 8,
      shutdownGraceSeconds: 8,
      logLevel: 'info',
      responsesTtlDays: 30,
      responsesDbPath: './data/responses.sqlite',
      redisUrl: undefined,
    })
    expect(config.modelAliases.size).toBe(0)
    expect(config.modelContextLimits.size).toBe(0)
    expect(config.workers).toBeGreaterThanOrEqual(1)
    expect(config.workers).toBeLessThanOrEqual(availableParallelism())
    expect(Object.isFrozen(config)).toBe(true)
  })

  test('the URL is used as given, query string kept; keys are trimmed and empty entries dropped', () => {
    const config = load()
    expect(config.upstreamApiUrl?.href).toBe('https://api.example.com/v1/messages?beta=true')
    expect(config.allowedApiKeys).toEqual(['a', 'b'])
  })
})

describe('values', () => {
  test('every variable is read', () => {
    const config = load({
      DEFAULT_MODEL: 'claude-sonnet-4-5',
      MODEL_ALIASES: 'gpt-4o:claude-sonnet-4-5, fast:claude-haiku-4-5',
      DEFAULT_MAX_TOKENS: '1000',
      MAX_TOKENS_HARD_LIMIT: '2000',
      MAX_TOKENS_DYNAMIC: 'true',
      MODEL_CONTEXT_LIMITS_JSON: '{"claude-sonnet-4-5": 200000}',
      TOKEN_EST_CHARS_PER_TOKEN: '3.5',
      DYNAMIC_SAFETY_MARGIN: '10',
      IMAGE_TOKEN_EQUIV: '1000',
      UPSTREAM_ANTHROPIC_VERSION: '2024-01-01',
      UPSTREAM_ANTHROPIC_BETA: 'a-beta',
      UPSTREAM_USER_AGENT: 'ua/1',
      UPSTREAM_X_APP: 'cli',
      UPSTREAM_ANTHROPIC_DANGEROUS: 'true',
      UPSTREAM_EXTRA_HEADERS_JSON: '{"X-Extra":"1"}',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      UPSTREAM_PROXY_URL: 'http://proxy.local:3128',
      DEFAULT_PROXY_URL: 'http://other.local:3128',
      PORT: '8080',
      HOST: '127.0.0.1',
      WORKERS: '3',
      UPSTREAM_TIMEOUT: '30',
      UPSTREAM_RETRIES: '5',
      SSE_HEARTBEAT_SECONDS: '0',
      MAX_BODY_BYTES: '2048',
      MAX_N: '4',
      SHUTDOWN_GRACE_SECONDS: '3',
      LOG_LEVEL: 'DEBUG',
      RESPONSES_TTL_DAYS: '7',
      RESPONSES_DB_PATH: '/var/lib/gateway/responses.sqlite',
      REDIS_URL: 'rediss://gw:pw@redis.internal:6380/2',
    })
    expect(config).toMatchObject({
      defaultModel: 'claude-sonnet-4-5',
      defaultMaxTokens: 1000,
      maxTokensHardLimit: 2000,
      maxTokensDynamic: true,
      tokenEstCharsPerToken: 3.5,
      dynamicSafetyMargin: 10,
      imageTokenEquiv: 1000,
      upstreamAnthropicVersion: '2024-01-01',
      upstreamAnthropicBeta: 'a-beta',
      upstreamUserAgent: 'ua/1',
      upstreamXApp: 'cli',
      upstreamAnthropicDangerous: true,
      upstreamExtraHeaders: { 'X-Extra': '1' },
      corsOrigins: ['https://a.example', 'https://b.example'],
      port: 8080,
      host: '127.0.0.1',
      workers: 3,
      upstreamTimeoutSeconds: 30,
      upstreamRetries: 5,
      sseHeartbeatSeconds: 0,
      maxBodyBytes: 2048,
      maxN: 4,
      shutdownGraceSeconds: 3,
      logLevel: 'debug',
      responsesTtlDays: 7,
      responsesDbPath: '/var/lib/gateway/responses.sqlite',
      redisUrl: 'rediss://gw:pw@redis.internal:6380/2',
    })
    expect([...config.modelAliases]).toEqual([
      ['gpt-4o', 'claude-sonnet-4-5'],
      ['fast', 'claude-haiku-4-5'],
    ])
    expect(config.modelContextLimits.get('claude-sonnet-4-5')).toBe(200000)
    expect(config.upstreamProxyUrl?.href).toBe('http://proxy.local:3128/')
  })

  test('old Gunicorn names are read when the new ones are unset, and lose to them', () => {
    expect(load({ GUNICORN_WORKERS: '6', GUNICORN_TIMEOUT: '120' })).toMatchObject({ workers: 6, upstreamTimeoutSeconds: 120 })
    expect(load({ GUNICORN_WORKERS: '6', WORKERS: '2' }).workers).toBe(2)
  })
})

describe('start-up errors: one line naming the variable, never a secret', () => {
  test.each([
    [{ UPSTREAM_API_URL: undefined }, 'UPSTREAM_API_URL: required, but not set'],
    [{ UPSTREAM_API_KEY: '' }, 'UPSTREAM_API_KEY: required, but not set'],
    [{ CLIENT_KEYS_JSON: '{' }, 'CLIENT_KEYS_JSON: expected a JSON array of keys, got invalid JSON'],
    [{ CLIENT_KEYS_JSON: '{}' }, 'CLIENT_KEYS_JSON: expected a JSON array of keys'],
    [{ CLIENT_KEYS_JSON: '[{"key":"k"}]' }, 'CLIENT_KEYS_JSON: entry 0, name: expected required property'],
    [{ CLIENT_KEYS_JSON: '[{"name":"a b","key":"k"}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a b"), name: expected string to match'],
    [
      { CLIENT_KEYS_JSON: '[{"name":"a","key":"k"},{"name":"b","key":"j","rpm":0}]' },
      'CLIENT_KEYS_JSON: entry 1 ("b"), rpm: expected integer to be greater or equal to 1',
    ],
    [{ CLIENT_KEYS_JSON: '[{"name":"a","key":"k","tpm":1.5}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a"), tpm: expected integer'],
    [{ CLIENT_KEYS_JSON: '[{"name":"a","key":"k","models":[]}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a"), models: expected array length'],
    [{ CLIENT_KEYS_JSON: '[{"name":"a","key":"k","rmp":5}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a"), rmp: unexpected property'],
    [{ CLIENT_KEYS_JSON: '[{"name":"a"}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a"), needs exactly one of key and key_sha256'],
    [
      { CLIENT_KEYS_JSON: `[{"name":"a","key":"k","key_sha256":"${'0'.repeat(64)}"}]` },
      'CLIENT_KEYS_JSON: entry 0 ("a"), needs exactly one of key and key_sha256',
    ],
    [{ CLIENT_KEYS_JSON: '[{"name":"a","key_sha256":"abc"}]' }, 'CLIENT_KEYS_JSON: entry 0 ("a"), key_sha256: expected string to match'],
    [{ CLIENT_KEYS_FILE: '/nonexistent/keys.json' }, 'CLIENT_KEYS_FILE: cannot read /nonexistent/keys.json (ENOENT)'],
    [{ LIMITS_FAIL_MODE: 'maybe' }, 'LIMITS_FAIL_MODE: expected open or closed, got "maybe"'],
    [{ LIMITS_DB_SYNC: 'full' }, 'LIMITS_DB_SYNC: expected normal or off, got "full"'],
    [{ LIMITS_REDIS_TIMEOUT_MS: '1' }, 'LIMITS_REDIS_TIMEOUT_MS: expected a whole number from 10 to 60000'],
    [{ UPSTREAM_API_URL: 'ftp://x' }, 'UPSTREAM_API_URL: expected an http:// or https:// URL, got "ftp://x"'],
    [{ MODEL_ALIASES: 'gpt-4o' }, 'MODEL_ALIASES: "gpt-4o" is not a from:to pair'],
    [{ DEFAULT_MAX_TOKENS: 'abc' }, 'DEFAULT_MAX_TOKENS: expected a whole number from 1'],
    [{ MAX_TOKENS_HARD_LIMIT: '0' }, 'MAX_TOKENS_HARD_LIMIT: expected a whole number from 1'],
    [{ MAX_TOKENS_DYNAMIC: 'maybe' }, 'MAX_TOKENS_DYNAMIC: expected true or false'],
    [{ MODEL_CONTEXT_LIMITS_JSON: '{"a": "big"}' }, 'MODEL_CONTEXT_LIMITS_JSON: "a" needs a whole number of tokens above 0'],
    [{ MODEL_CONTEXT_LIMITS_JSON: '[1]' }, 'MODEL_CONTEXT_LIMITS_JSON: expected a JSON object'],
    [{ TOKEN_EST_CHARS_PER_TOKEN: '-1' }, 'TOKEN_EST_CHARS_PER_TOKEN: expected a number above 0'],
    [{ PORT: '70000' }, 'PORT: expected a whole number from 0 to 65535'],
    [{ GUNICORN_WORKERS: 'x' }, 'GUNICORN_WORKERS: expected a whole number'],
    [{ GUNICORN_TIMEOUT: '0' }, 'GUNICORN_TIMEOUT: expected a number above 0'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected debug, info, warn or error'],
    [{ RESPONSES_TTL_DAYS: '0' }, 'RESPONSES_TTL_DAYS: expected a whole number from 1 to 365'],
    [{ RESPONSES_TTL_DAYS: '366' }, 'RESPONSES_TTL_DAYS: expected a whole number from 1 to 365'],
    [{ RESPONSES_DB_PATH: ' ' }, 'RESPONSES_DB_PATH: must not be empty'],
    [{ REDIS_URL: 'http://redis:6379' }, 'REDIS_URL: expected a redis://, rediss:// or redis+unix:// URL'],
    [{ MODEL_QUIRKS_JSON: '{"m":{"sampling":"some"}}' }, 'MODEL_QUIRKS_JSON: "m".sampling:'],
    [{ MODEL_QUIRKS_JSON: '{"m":{"prefil":true}}' }, 'MODEL_QUIRKS_JSON: "m".prefil:'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS: "app.example.com" is not an origin'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS: "https://app.example.com/path" is not an origin'],
  ])('%o → %s', (env, message) => {
    expect(errorOf({ ...REQUIRED, ...env })).toStartWith(message)
  })

  // Past 2^31 − 1 ms a timer fires at once: UPSTREAM_TIMEOUT=3000000 made every request a 504 in 5 ms.
  test.each([
    ['UPSTREAM_TIMEOUT', 86_400],
    ['GUNICORN_TIMEOUT', 86_400],
    ['SSE_HEARTBEAT_SECONDS', 3_600],
    ['SHUTDOWN_GRACE_SECONDS', 86_400],
    ['CLIENT_IDLE_TIMEOUT', 86_400],
  ])('%s: up to %d s, so each timer made from it stays below 2^31 − 1 ms; above is a start-up error', (name, max) => {
    expect(() => load({ [name]: String(max) })).not.toThrow()
    expect(max * 1000).toBeLessThan(MAX_TIMER_MS)
    expect(errorOf({ ...REQUIRED, [name]: String(max + 1) })).toBe(`${name}: expected at most ${max} seconds, got "${max + 1}"`)
    expect(errorOf({ ...REQUIRED, [name]: '3000000' })).toStartWith(`${name}: expected at most ${max} seconds`)
  })

  test('secret-bearing variables never print their value', () => {
    for (const env of [
      { UPSTREAM_PROXY_URL: 'ftp://user:hunter2@proxy' },
      { UPSTREAM_EXTRA_HEADERS_JSON: '{hunter2' },
      { DEFAULT_PROXY_URL: 'hunter2' },
      { CLIENT_KEYS_JSON: '[{"name":"a","key":"hunter2","rpm":"hunter2"}]' },
      { CLIENT_KEYS_JSON: '[{"name":"a","key":["hunter2"]}]' },
      { REDIS_URL: 'https://:hunter2@redis' },
    ]) {
      const message = errorOf({ ...REQUIRED, ...env })
      expect(message).not.toContain('hunter2')
      expect(message).toStartWith(Object.keys(env)[0] as string)
    }
  })
})

describe('upstream headers, built once at start-up', () => {
  test('base headers, optional ones, and extra headers that add, override and remove', () => {
    const headers = buildUpstreamHeaders(
      load({
        UPSTREAM_ANTHROPIC_BETA: 'b1',
        UPSTREAM_USER_AGENT: 'ua/1',
        UPSTREAM_X_APP: 'cli',
        UPSTREAM_ANTHROPIC_DANGEROUS: 'true',
        UPSTREAM_EXTRA_HEADERS_JSON: JSON.stringify({ 'X-Team': 'red', 'Anthropic-Beta': 'b2', 'x-app': '' }),
      }),
    )
    expect(headers).toEqual({
      'content-type': 'application/json',
      'x-api-key': 'sk-upstream-secret',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'b2',
      'user-agent': 'ua/1',
      'anthropic-dangerous-direct-browser-access': 'true',
      'x-team': 'red',
    })
  })

  test.each([
    [{ 'x-a': 'one\r\ntwo' }, 'x-a'],
    [{ 'x-a': 'nul\u0000' }, 'x-a'],
    [{ 'bad name': 'v' }, 'bad name'],
    [{ host: 'evil' }, 'host'],
    [{ 'Content-Length': '1' }, 'Content-Length'],
    [{ Connection: 'close' }, 'Connection'],
    [{ 'x-n': 5 }, 'x-n'],
  ])('%o stops start-up naming the header, not the value', (extra, name) => {
    try {
      buildUpstreamHeaders(load({ UPSTREAM_EXTRA_HEADERS_JSON: JSON.stringify(extra) }))
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      const message = (error as Error).message
      expect(message).toStartWith('UPSTREAM_EXTRA_HEADERS_JSON:')
      expect(message).toContain(name)
      expect(message).not.toContain('two')
      expect(message).not.toContain('evil')
    }
  })
})

describe('every value sent as an upstream header is checked at start-up', () => {
  // Each of these started cleanly, then failed every request with a 502 "connection failed".
  test.each([
    ['UPSTREAM_API_KEY', 'sk\u2010ant-secret', 'UPSTREAM_API_KEY: character 3 (U+2010)'],
    ['UPSTREAM_API_KEY', 'sk-ant\rsecret', 'UPSTREAM_API_KEY: character 7 (U+000D)'],
    ['UPSTREAM_ANTHROPIC_VERSION', '2023\u201306\u201301', 'UPSTREAM_ANTHROPIC_VERSION: character 5 (U+2013)'],
    ['UPSTREAM_ANTHROPIC_BETA', 'a,b\u00e9', 'UPSTREAM_ANTHROPIC_BETA: character 4 (U+00E9)'],
    ['UPSTREAM_USER_AGENT', 'ua\u0001', 'UPSTREAM_USER_AGENT: character 3 (U+0001)'],
    ['UPSTREAM_X_APP', '\u{1F600}x\nsecret', 'UPSTREAM_X_APP: character 1 (U+1F600)'],
    [
      'UPSTREAM_EXTRA_HEADERS_JSON',
      JSON.stringify({ 'x-a': 'ok', 'X-Team': 'r\u00e9d-secret' }),
      'UPSTREAM_EXTRA_HEADERS_JSON: header X-Team: character 2 (U+00E9)',
    ],
  ])('%s=%j → %s…, without the value', (name, value, message) => {
    try {
      buildUpstreamHeaders(load({ [name]: value }))
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toStartWith(`${message} cannot be sent in a header`)
      expect((error as Error).message).not.toContain('secret')
      expect((error as Error).message).not.toContain('\n')
    }
  })

  test('visible ASCII, spaces and tabs pass', () => {
    expect(buildUpstreamHeaders(load({ UPSTREAM_USER_AGENT: 'my app/1.0 (x; y)\tz~' }))['user-agent']).toBe('my app/1.0 (x; y)\tz~')
  })
})

test('the schema lists each variable once', () => {
  const names = Object.values(ENV_VARS).flatMap((v) => [v.name, ...(v.oldName ? [v.oldName] : [])])
  expect(new Set(names).size).toBe(names.length)
})
