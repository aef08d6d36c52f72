import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Errors } from '@sinclair/typebox/errors'
import { type ClientKeyEntry, parseClientKeyEntries } from '../limits/client-key-entry.ts'
import { ModelQuirksOverride } from '../mapping/model-quirks.ts'
import { parseUpstreamEntries } from './upstreams-config.ts'

/**
 * Every environment variable the gateway reads: name, old Flask-proxy name, default, parser and
 * one-line description. `.env.example` and the table in docs/configuration.md are checked against this list.
 */
type Parser<T> = (raw: string) => T

export type EnvVar<T = unknown> = {
  readonly name: string
  /** Name used by the old Flask + Gunicorn proxy; read when `name` is unset. */
  readonly oldName?: string
  /** Raw default, as it would be written in `.env`; undefined means "unset" (or required). */
  readonly default?: string
  readonly required?: boolean
  /** Required unless this other variable is set (and then may be left unset). */
  readonly requiredUnless?: string
  /** Never printed, not even in a start-up error. */
  readonly secret?: boolean
  readonly description: string
  readonly parse: Parser<T>
}

export class EnvValueError extends Error {}

const fail = (what: string): never => {
  throw new EnvValueError(what)
}

export const parseBoolean: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase()
  if (['true', '1', 'yes', 'on'].includes(value)) return true
  if (['false', '0', 'no', 'off', ''].includes(value)) return false
  return fail('expected true or false')
}

export const parseInteger =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    const value = Number(raw.trim())
    if (!Number.isInteger(value) || value < min || value > max || raw.trim() === '') {
      fail(`expected a whole number from ${min} to ${max}`)
    }
    return value
  }

export const parsePositiveNumber: Parser<number> = (raw) => {
  const value = Number(raw.trim())
  if (!Number.isFinite(value) || value <= 0 || raw.trim() === '') fail('expected a number above 0')
  return value
}

/** Timers hold at most 2^31 − 1 ms (about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1
const DAY_SECONDS = 86_400
const HOUR_SECONDS = 3_600

/** A duration in seconds, above 0 and at most `max`, so every timer made from it stays below MAX_TIMER_MS. */
export const parseSeconds =
  (max: number): Parser<number> =>
  (raw) => {
    const value = parsePositiveNumber(raw)
    if (value > max) fail(`expected at most ${max} seconds`)
    return value
  }

export const parseList: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')

export const parseJsonObject: Parser<Record<string, unknown>> = (raw) => {
  let value: unknown
  try {
    value = JSON.parse(raw.trim() === '' ? '{}' : raw)
  } catch {
    return fail('expected a JSON object, got invalid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object')
  return value as Record<string, unknown>
}

/**
 * A JSON object keyed by model id, each value checked by `problemWith` (what is wrong with it, or
 * undefined), as a Map.
 */
const parsePerModel =
  <T>(problemWith: (value: unknown) => string | undefined): Parser<Map<string, T>> =>
  (raw) => {
    const perModel = new Map<string, T>()
    for (const [model, value] of Object.entries(parseJsonObject(raw))) {
      const problem = problemWith(value)
      if (problem !== undefined) fail(`"${model}"${problem}`)
      perModel.set(model, value as T)
    }
    return perModel
  }

export const parseHttpUrl: Parser<URL> = (raw) => {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return fail('expected an http:// or https:// URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('expected an http:// or https:// URL')
  return url
}

/** The schemes Bun's Redis client accepts (docs/runtime/redis.mdx, Bun 1.4); kept as a string for it. */
const REDIS_SCHEMES = ['redis:', 'rediss:', 'redis+tls:', 'redis+unix:', 'redis+tls+unix:']
const parseRedisUrl: Parser<string | undefined> = (raw) => {
  if (raw.trim() === '') return undefined
  let url: URL | undefined
  try {
    url = new URL(raw.trim())
  } catch {
    // reported below
  }
  if (!url || !REDIS_SCHEMES.includes(url.protocol)) fail('expected a redis://, rediss:// or redis+unix:// URL')
  return raw.trim()
}

export const optionalUrl: Parser<URL | undefined> = (raw) => (raw.trim() === '' ? undefined : parseHttpUrl(raw))
const optionalString: Parser<string | undefined> = (raw) => (raw.trim() === '' ? undefined : raw.trim())

const parseLogLevel: Parser<'debug' | 'info' | 'warn' | 'error'> = (raw) => {
  const value = raw.trim().toLowerCase()
  if (value === 'debug' || value === 'info' || value === 'warn' || value === 'error') return value
  return fail('expected debug, info, warn or error')
}

const parseEntries: Parser<ClientKeyEntry[]> = (raw) => {
  try {
    return parseClientKeyEntries(raw)
  } catch (error) {
    return fail((error as Error).message)
  }
}

const readKeyFile = (path: string) => {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    return fail(`cannot read ${path} (${(error as { code?: string }).code ?? 'error'})`)
  }
}

const envVar = <T>(spec: EnvVar<T>): EnvVar<T> => spec

/**
 * Cores this process may use: in a container, the cgroup v2 CPU quota (`docker run --cpus`),
 * which availableParallelism() ignores; elsewhere the machine's cores.
 */
const usableCores = (): number => {
  const cores = availableParallelism()
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/)
    if (quota === undefined || quota === 'max') return cores
    return Math.max(1, Math.min(cores, Math.ceil(Number(quota) / Number(period))))
  } catch {
    return cores
  }
}

/** In the order of the table in docs/configuration.md and `.env.example`. */
export const ENV_VARS = {
  upstreamApiUrl: envVar({
    name: 'UPSTREAM_API_URL',
    required: true,
    requiredUnless: 'UPSTREAMS_JSON',
    description: 'Full URL of the upstream Messages endpoint, used as given (query string kept); not needed with UPSTREAMS_JSON',
    parse: optionalUrl,
  }),
  upstreamApiKey: envVar({
    name: 'UPSTREAM_API_KEY',
    required: true,
    requiredUnless: 'UPSTREAMS_JSON',
    secret: true,
    description: 'Sent upstream as x-api-key; several comma-separated keys make a pool of that URL, one member per key',
    parse: (raw) => {
      const keys = parseList(raw)
      return raw.trim() === '' || keys.length > 0 ? keys : fail('must not be empty')
    },
  }),
  upstreams: envVar({
    name: 'UPSTREAMS_JSON',
    secret: true,
    description: 'JSON array of upstreams [{name, url, key, weight, models, headers, cache, betas}]; replaces UPSTREAM_API_URL/KEY',
    parse: (raw) => parseUpstreamEntries(raw, fail),
  }),
  allowedApiKeys: envVar({
    name: 'ALLOWED_API_KEYS',
    secret: true,
    description: 'Comma-separated client keys without limits (Authorization: Bearer <key>); required unless CLIENT_KEYS_* set keys',
    parse: parseList,
  }),
  clientKeysJson: envVar({
    name: 'CLIENT_KEYS_JSON',
    secret: true,
    description: 'JSON array of keys with settings: {name, key or key_sha256, rpm, tpm, max_concurrent, daily/monthly_token_budget, models}',
    parse: (raw) => (raw.trim() === '' ? [] : parseEntries(raw)),
  }),
  clientKeysFile: envVar({
    name: 'CLIENT_KEYS_FILE',
    description: 'Path of a file holding the same JSON array as CLIENT_KEYS_JSON (read once at start-up)',
    parse: (raw) => (raw.trim() === '' ? [] : parseEntries(readKeyFile(raw.trim()))),
  }),
  adminApiKey: envVar({
    name: 'ADMIN_API_KEY',
    secret: true,
    description: "Key that reads every client key's usage on GET /v1/usage (not a client key)",
    parse: optionalString,
  }),
  defaultModel: envVar({
    name: 'DEFAULT_MODEL',
    description: 'Model used when a request names none; without it a missing model is a 400',
    parse: optionalString,
  }),
  modelAliases: envVar({
    name: 'MODEL_ALIASES',
    description: 'Comma-separated from:to model renames (gpt-4o:claude-sonnet-4-6); other names pass unchanged',
    parse: (raw) => {
      const aliases = new Map<string, string>()
      for (const pair of parseList(raw)) {
        const colon = pair.indexOf(':')
        const from = pair.slice(0, colon).trim()
        const to = pair.slice(colon + 1).trim()
        if (colon < 0 || from === '' || to === '') fail(`"${pair}" is not a from:to pair`)
        aliases.set(from, to)
      }
      return aliases
    },
  }),
  defaultMaxTokens: envVar({
    name: 'DEFAULT_MAX_TOKENS',
    default: '4096',
    description: 'max_tokens when the client sends neither max_tokens nor max_completion_tokens',
    parse: parseInteger(1),
  }),
  maxTokensHardLimit: envVar({
    name: 'MAX_TOKENS_HARD_LIMIT',
    default: '16384',
    description: 'Ceiling for the max_tokens sent upstream',
    parse: parseInteger(1),
  }),
  maxTokensDynamic: envVar({
    name: 'MAX_TOKENS_DYNAMIC',
    default: 'false',
    description: 'Shrink max_tokens to fit the context window of models in MODEL_CONTEXT_LIMITS_JSON',
    parse: parseBoolean,
  }),
  modelContextLimits: envVar({
    name: 'MODEL_CONTEXT_LIMITS_JSON',
    default: '{}',
    description: 'JSON object {"model id": context window in tokens}, used by MAX_TOKENS_DYNAMIC',
    parse: parsePerModel<number>((limit) =>
      typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 ? undefined : ' needs a whole number of tokens above 0',
    ),
  }),
  modelQuirks: envVar({
    name: 'MODEL_QUIRKS_JSON',
    default: '{}',
    description: 'JSON object {"model id": {thinking, sampling, prefill, …}} overriding the built-in per-model rules',
    parse: parsePerModel<ModelQuirksOverride>((override) => {
      const error = Errors(ModelQuirksOverride, override).First()
      return error && `${error.path.replaceAll('/', '.')}: ${error.message.toLowerCase()}`
    }),
  }),
  tokenEstCharsPerToken: envVar({
    name: 'TOKEN_EST_CHARS_PER_TOKEN',
    default: '4.0',
    description: 'Characters per token for the dynamic prompt estimate (rounded up)',
    parse: parsePositiveNumber,
  }),
  dynamicSafetyMargin: envVar({
    name: 'DYNAMIC_SAFETY_MARGIN',
    default: '1024',
    description: 'Tokens held back by the dynamic max_tokens rule',
    parse: parseInteger(0),
  }),
  imageTokenEquiv: envVar({
    name: 'IMAGE_TOKEN_EQUIV',
    default: '256',
    description: 'Tokens counted per image or document part by the dynamic estimate',
    parse: parseInteger(0),
  }),
  upstreamAnthropicVersion: envVar({
    name: 'UPSTREAM_ANTHROPIC_VERSION',
    default: '2023-06-01',
    description: 'anthropic-version header',
    parse: (raw) => raw.trim() || fail('must not be empty'),
  }),
  upstreamAnthropicBeta: envVar({
    name: 'UPSTREAM_ANTHROPIC_BETA',
    description: 'anthropic-beta header, when set',
    parse: optionalString,
  }),
  upstreamUserAgent: envVar({
    name: 'UPSTREAM_USER_AGENT',
    description: "user-agent header, when set (else Bun's)",
    parse: optionalString,
  }),
  upstreamXApp: envVar({
    name: 'UPSTREAM_X_APP',
    description: 'x-app header, when set',
    parse: optionalString,
  }),
  upstreamAnthropicDangerous: envVar({
    name: 'UPSTREAM_ANTHROPIC_DANGEROUS',
    default: 'false',
    description: 'true sends anthropic-dangerous-direct-browser-access: true',
    parse: parseBoolean,
  }),
  upstreamExtraHeaders: envVar({
    name: 'UPSTREAM_EXTRA_HEADERS_JSON',
    default: '{}',
    secret: true,
    description: 'JSON object of headers applied last; an empty string value removes a header',
    parse: parseJsonObject,
  }),
  promptCache: envVar({
    name: 'PROMPT_CACHE',
    default: 'auto',
    description: 'auto adds prompt-cache breakpoints to chat completions as each upstream takes them; off adds none',
    parse: (raw): 'auto' | 'off' => {
      const value = raw.trim().toLowerCase()
      return value === 'auto' || value === 'off' ? value : fail('expected auto or off')
    },
  }),
  promptCacheTtl: envVar({
    name: 'PROMPT_CACHE_TTL',
    default: '5m',
    description: 'Lifetime of the cache entries PROMPT_CACHE adds: 5m or 1h (writes cost more)',
    parse: (raw): '5m' | '1h' => {
      const value = raw.trim()
      return value === '5m' || value === '1h' ? value : fail('expected 5m or 1h')
    },
  }),
  corsOrigins: envVar({
    name: 'CORS_ORIGINS',
    description: '* or comma-separated exact origins (scheme://host[:port]); unset means no CORS headers',
    parse: (raw) => {
      const origins = parseList(raw)
      for (const origin of origins) {
        if (origin === '*') continue
        let parsed: URL | undefined
        try {
          parsed = new URL(origin)
        } catch {
          // reported below
        }
        if (!parsed || parsed.origin !== origin) fail(`"${origin}" is not an origin like https://app.example.com (scheme, host, optional port, nothing else)`)
      }
      return origins
    },
  }),
  upstreamProxyUrl: envVar({
    name: 'UPSTREAM_PROXY_URL',
    secret: true,
    description: 'HTTP(S) proxy for upstream calls (wins over DEFAULT_PROXY_URL)',
    parse: optionalUrl,
  }),
  defaultProxyUrl: envVar({
    name: 'DEFAULT_PROXY_URL',
    secret: true,
    description: 'HTTP(S) proxy for upstream calls when UPSTREAM_PROXY_URL is unset',
    parse: optionalUrl,
  }),
  port: envVar({
    name: 'PORT',
    default: '5000',
    description: 'Listening port',
    parse: parseInteger(0, 65535),
  }),
  host: envVar({
    name: 'HOST',
    default: '0.0.0.0',
    description: 'Listening address',
    parse: (raw) => raw.trim() || fail('must not be empty'),
  }),
  workers: envVar({
    name: 'WORKERS',
    oldName: 'GUNICORN_WORKERS',
    default: String(usableCores()),
    description: 'Bun processes sharing PORT with reusePort (default: CPU cores, or the container CPU limit)',
    parse: parseInteger(1, 256),
  }),
  upstreamTimeoutSeconds: envVar({
    name: 'UPSTREAM_TIMEOUT',
    oldName: 'GUNICORN_TIMEOUT',
    default: '600',
    description: 'Seconds the upstream may stay silent (before its first byte or between events) before 504; at most 86400',
    parse: parseSeconds(DAY_SECONDS),
  }),
  clientIdleTimeoutSeconds: envVar({
    name: 'CLIENT_IDLE_TIMEOUT',
    default: '600',
    description: 'Seconds a client may leave a started answer unread (taking no bytes) before it is cut, logged as 499; at most 86400',
    parse: parseSeconds(DAY_SECONDS),
  }),
  upstreamRetries: envVar({
    name: 'UPSTREAM_RETRIES',
    default: '2',
    description: 'Retries after the first attempt on 429/500/502/503/504/529 and connection failures',
    parse: parseInteger(0, 10),
  }),
  breakerFailures: envVar({
    name: 'UPSTREAM_BREAKER_FAILURES',
    default: '3',
    description: 'Failures in a row that take a pool member out (a pool of one is never taken out)',
    parse: parseInteger(1, 1000),
  }),
  breakerMinRequests: envVar({
    name: 'UPSTREAM_BREAKER_MIN_REQUESTS',
    default: '10',
    description: 'Requests in UPSTREAM_BREAKER_WINDOW before the failure ratio can take a member out',
    parse: parseInteger(1, 1_000_000),
  }),
  breakerRatio: envVar({
    name: 'UPSTREAM_BREAKER_RATIO',
    default: '0.5',
    description: 'A member is out when more than this share of its requests in the window failed',
    parse: (raw) => {
      const value = parsePositiveNumber(raw)
      return value < 1 ? value : fail('expected a number above 0 and below 1')
    },
  }),
  breakerWindowSeconds: envVar({
    name: 'UPSTREAM_BREAKER_WINDOW',
    default: '30',
    description: 'Seconds of requests the failure ratio looks at; at most 3600',
    parse: parseSeconds(HOUR_SECONDS),
  }),
  breakerCooldownSeconds: envVar({
    name: 'UPSTREAM_BREAKER_COOLDOWN',
    default: '10',
    description: 'Seconds a member stays out before one probe request decides (a longer retry-after wins); at most 3600',
    parse: parseSeconds(HOUR_SECONDS),
  }),
  sseHeartbeatSeconds: envVar({
    name: 'SSE_HEARTBEAT_SECONDS',
    default: '15',
    description: 'A ": keep-alive" comment is sent on a stream after this much upstream silence (0 = off); at most 3600',
    parse: (raw) => (raw.trim() === '0' ? 0 : parseSeconds(HOUR_SECONDS)(raw)),
  }),
  maxBodyBytes: envVar({
    name: 'MAX_BODY_BYTES',
    default: String(10 * 1024 * 1024),
    description: 'Largest request body accepted; larger gets 413',
    parse: parseInteger(1024),
  }),
  maxN: envVar({
    name: 'MAX_N',
    default: '8',
    description: 'Largest n (choices per request) accepted',
    parse: parseInteger(1, 128),
  }),
  shutdownGraceSeconds: envVar({
    name: 'SHUTDOWN_GRACE_SECONDS',
    default: '8',
    description: 'On SIGTERM, how long streams in flight may run on before they are ended; at most 86400',
    parse: parseSeconds(DAY_SECONDS),
  }),
  metricsEnabled: envVar({
    name: 'METRICS_ENABLED',
    default: 'false',
    description: 'true serves Prometheus metrics of all workers on METRICS_PORT at /metrics',
    parse: parseBoolean,
  }),
  metricsPort: envVar({
    name: 'METRICS_PORT',
    default: '9464',
    description: 'Port of the /metrics listener (on HOST), apart from the API port',
    parse: parseInteger(0, 65535),
  }),
  logLevel: envVar({
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'debug, info, warn or error; one JSON line per request at info',
    parse: parseLogLevel,
  }),
  responsesTtlDays: envVar({
    name: 'RESPONSES_TTL_DAYS',
    default: '30',
    description: 'Days a stored /v1/responses response is kept (1 to 365)',
    parse: parseInteger(1, 365),
  }),
  responsesDbPath: envVar({
    name: 'RESPONSES_DB_PATH',
    default: './data/responses.sqlite',
    description: 'SQLite file of stored responses, shared by the workers (its directory is created); unused with REDIS_URL',
    parse: (raw) => raw.trim() || fail('must not be empty'),
  }),
  redisUrl: envVar({
    name: 'REDIS_URL',
    secret: true,
    description: 'redis:// or rediss:// URL: stored responses and limit counters go to Redis (≥ 7.0), shared by replicas; unset means the SQLite files',
    parse: parseRedisUrl,
  }),
  limitsRedisTimeoutMs: envVar({
    name: 'LIMITS_REDIS_TIMEOUT_MS',
    default: '250',
    description: 'Longest wait for one limit check or settlement in Redis before it counts as failed (LIMITS_FAIL_MODE decides)',
    parse: parseInteger(10, 60_000),
  }),
  limitsFailMode: envVar({
    name: 'LIMITS_FAIL_MODE',
    default: 'open',
    description: 'When the limit store fails: open serves the request (logged, counted), closed answers 503',
    parse: (raw): 'open' | 'closed' => {
      const value = raw.trim().toLowerCase()
      return value === 'open' || value === 'closed' ? value : fail('expected open or closed')
    },
  }),
  limitsDbPath: envVar({
    name: 'LIMITS_DB_PATH',
    description: 'SQLite file the workers share for limit counters without REDIS_URL (default: a new temporary file per launch)',
    parse: optionalString,
  }),
  limitsDbSync: envVar({
    name: 'LIMITS_DB_SYNC',
    default: 'normal',
    description:
      "fsync of the limit counters file: normal keeps every count across a power loss, off skips fsync (an OS crash may lose the file; the launcher's own temporary file uses it)",
    parse: (raw): 'normal' | 'off' => {
      const value = raw.trim().toLowerCase()
      return value === 'normal' || value === 'off' ? value : fail('expected normal or off')
    },
  }),
} as const

export type Config = {
  readonly [K in keyof typeof ENV_VARS]: (typeof ENV_VARS)[K] extends EnvVar<infer T> ? T : never
}
