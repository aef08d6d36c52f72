import { cors } from '@elysiajs/cors'
import { Elysia } from 'elysia'
import { authPlugin } from './auth/auth-plugin.ts'
import { buildClientKeys, sha256 } from './auth/client-keys.ts'
import { createKeyChecker } from './auth/key-checker.ts'
import type { Config } from './config/env-schema.ts'
import { errorPlugin, type RouteTable } from './errors/error-plugin.ts'
import { requestContextPlugin } from './http/request-context-plugin.ts'
import { createLimitStore } from './limits/create-limit-store.ts'
import { createKeyLimiter } from './limits/key-limiter.ts'
import type { Logger } from './logging/logger.ts'
import { createMetrics } from './metrics/metrics-registry.ts'
import { chatCompletionsRoute } from './routes/chat-completions.ts'
import { healthRoute, type Lifecycle } from './routes/health.ts'
import { messagesRoute } from './routes/messages.ts'
import { modelsRoute } from './routes/models.ts'
import { responsesRoute } from './routes/responses.ts'
import { usageRoute } from './routes/usage.ts'
import { createResponseStore } from './store/create-response-store.ts'
import type { ResponseStore } from './store/response-store.ts'
import { createStreamRegistry } from './stream/stream-registry.ts'
import { createUpstreamPool } from './upstream/pool.ts'
import { buildPoolMembers } from './upstream/pool-members.ts'
import { createUpstreamClient } from './upstream/upstream-client.ts'

export type AppDeps = {
  config: Config
  log: Logger
  /** Replaceable in tests; production uses Bun's fetch. */
  fetch?: typeof fetch
  random?: () => number
  now?: () => number
  /** Where /v1/responses keeps responses; default: Redis with REDIS_URL, else the SQLite file at RESPONSES_DB_PATH. */
  store?: ResponseStore
}

/** One pending upstream SSE event may hold at most this much (a 1 MiB delta must pass). */
const MAX_UPSTREAM_EVENT_SIZE = 16 * 1024 * 1024

const ROUTES: RouteTable = new Map([
  ['/health', ['GET']],
  ['/v1/chat/completions', ['POST']],
  ['/v1/responses', ['POST']],
  ['/v1/responses/:id', ['GET', 'DELETE']],
  ['/v1/responses/:id/input_items', ['GET']],
  ['/v1/messages', ['POST']],
  ['/v1/messages/count_tokens', ['POST']],
  ['/v1/models', ['GET']],
  ['/v1/models/*', ['GET']],
  ['/v1/usage', ['GET']],
])

/** The only routes served without a client key. */
const OPEN_ROUTES: ReadonlySet<string> = new Set(['/health'])

/** The only routes ADMIN_API_KEY opens (besides client keys). */
const ADMIN_ROUTES: ReadonlySet<string> = new Set(['/v1/usage'])

const EXPOSED_HEADERS = [
  'x-request-id',
  'x-upstream-request-id',
  'x-gateway-adjustments',
  'retry-after',
  'retry-after-ms',
  ...['requests', 'tokens'].flatMap((kind) => ['limit', 'remaining', 'reset'].map((what) => `x-ratelimit-${what}-${kind}`)),
]

/**
 * CORS only when CORS_ORIGINS is set, with every option explicit: the plugin's defaults reflect
 * any origin with credentials. `*` never goes with credentials; a list is matched exactly.
 */
const corsPlugin = (origins: readonly string[]) => {
  // A function, not the list: the plugin's own list match also accepts an origin with another
  // scheme, or names like "constructor" (@elysiajs/cors 1.4.2).
  const allowed = new Set(origins)
  return cors({
    origin: allowed.has('*') ? '*' : (request) => allowed.has(request.headers.get('origin') ?? ''),
    credentials: false,
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key', 'x-request-id', 'x-session-id', 'anthropic-version', 'anthropic-beta'],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    preflight: true,
  })
}

/** cors → request id and log → errors → auth → routes, in that order. */
export const createApp = ({ config, log, fetch, random, now = () => Date.now() / 1000, store = createResponseStore(config) }: AppDeps) => {
  const registry = createStreamRegistry()
  const stream = {
    idleTimeoutSeconds: config.upstreamTimeoutSeconds,
    clientIdleSeconds: config.clientIdleTimeoutSeconds,
    heartbeatMs: config.sseHeartbeatSeconds * 1000,
    maxEventSize: MAX_UPSTREAM_EVENT_SIZE,
  }
  const lifecycle: Lifecycle = { draining: false }
  const pool = createUpstreamPool(
    buildPoolMembers(config),
    {
      failures: config.breakerFailures,
      minRequests: config.breakerMinRequests,
      ratio: config.breakerRatio,
      windowMs: config.breakerWindowSeconds * 1000,
      cooldownMs: config.breakerCooldownSeconds * 1000,
    },
    { log },
  )
  const upstream = createUpstreamClient(config, pool, { fetch, random })
  const metrics = config.metricsEnabled ? createMetrics(() => registry.size, new Set(ROUTES.keys()), pool.snapshot) : undefined
  const clientKeys = buildClientKeys(config)
  // No store at all (no file, no connection) unless some key has a counted limit.
  const limitStore = clientKeys.some((key) => key.limits) ? createLimitStore(config) : undefined
  const limiter = createKeyLimiter({
    store: limitStore,
    failMode: config.limitsFailMode,
    estimate: { charsPerToken: config.tokenEstCharsPerToken, imageTokens: config.imageTokenEquiv },
    log,
    events: metrics?.limitEvents,
  })
  // standardHostname false: Elysia's own path reading then starts after "http://", not at a fixed
  // offset that lands inside the path when the Host is shorter than 4 characters.
  const base = new Elysia({ normalize: false, handler: { standardHostname: false } }).use(requestContextPlugin(log, metrics))
  const app = (config.corsOrigins.length > 0 ? base.use(corsPlugin(config.corsOrigins)) : base)
    .use(errorPlugin({ routes: ROUTES, log }))
    .use(
      authPlugin({
        checkKey: createKeyChecker(clientKeys),
        maxBodyBytes: config.maxBodyBytes,
        openRoutes: OPEN_ROUTES,
        adminRoutes: ADMIN_ROUTES,
        checkAdmin: config.adminApiKey === undefined ? undefined : createKeyChecker([{ digest: sha256(config.adminApiKey), label: 'admin' }]),
      }),
    )
    .use(healthRoute(lifecycle, pool.usable, limitStore?.kind === 'redis' ? limitStore.ping : undefined))
    .use(
      chatCompletionsRoute({
        mapping: config,
        promptCache: config,
        upstream,
        stream,
        registry,
        limiter,
        maxBodyBytes: config.maxBodyBytes,
        log,
        now,
      }),
    )
    .use(
      responsesRoute({
        mapping: config,
        promptCache: config,
        upstream,
        stream,
        registry,
        limiter,
        store,
        ttlSeconds: config.responsesTtlDays * 86_400,
        maxBodyBytes: config.maxBodyBytes,
        log,
        now,
      }),
    )
    .use(
      messagesRoute({
        mapping: config,
        upstream,
        idleTimeoutSeconds: config.upstreamTimeoutSeconds,
        clientIdleSeconds: config.clientIdleTimeoutSeconds,
        maxBodyBytes: config.maxBodyBytes,
        log,
        registry,
        limiter,
        maxEventSize: MAX_UPSTREAM_EVENT_SIZE,
      }),
    )
    .use(modelsRoute(config, Math.floor(now())))
    .use(usageRoute({ keys: clientKeys, store: limitStore }))
  return { app, registry, lifecycle, metrics, store, limitStore, pool }
}
