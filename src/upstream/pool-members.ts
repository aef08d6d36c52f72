import { type Config, ENV_VARS, EnvValueError, parseHttpUrl } from '../config/env-schema.ts'
import { ConfigError } from '../config/load-config.ts'
import type { CacheMode, UpstreamEntry } from '../config/upstreams-config.ts'
import { buildUpstreamHeaders } from './upstream-headers.ts'

export type UpstreamEndpoint = 'messages' | 'count_tokens'

/** One upstream of the pool, fixed at start-up. Only `name` ever reaches a log, a metric or a client. */
export type PoolMember = {
  readonly name: string
  readonly urls: Readonly<Record<UpstreamEndpoint, string>>
  /** Key included; anthropic-beta already limited to what the member accepts. */
  readonly headers: Readonly<Record<string, string>>
  readonly weight: number
  /** Upstream model ids it serves; undefined means all. */
  readonly models: ReadonlySet<string> | undefined
  readonly cache: CacheMode
  /** anthropic-beta values it accepts; undefined means all. */
  readonly betas: ReadonlySet<string> | undefined
}

const countTokensUrl = (messagesUrl: URL) => {
  const url = new URL(messagesUrl.href)
  url.pathname = `${url.pathname.replace(/\/$/, '')}/count_tokens`
  return url.href
}

/**
 * Anthropic's own API takes the top-level automatic `cache_control` (platform.claude.com prompt
 * caching docs, "automatic caching"); other Messages endpoints (Bedrock- and Vertex-style
 * proxies) are only known to take block-level breakpoints.
 */
const defaultCacheMode = (url: URL): CacheMode => (url.hostname === 'api.anthropic.com' ? 'top-level' : 'breakpoints')

/** An anthropic-beta header value limited to the accepted values (all when `accepted` is undefined). */
export const acceptedBetas = (value: string, accepted: ReadonlySet<string> | undefined) => {
  const all = [...new Set(value.split(',').map((beta) => beta.trim()))].filter(Boolean)
  const kept = accepted ? all.filter((beta) => accepted.has(beta)) : all
  return { value: kept.join(','), removed: kept.length < all.length }
}

const withAcceptedBetas = (headers: Record<string, string>, betas: ReadonlySet<string> | undefined) => {
  const configured = headers['anthropic-beta']
  if (configured === undefined || !betas) return headers
  const { value } = acceptedBetas(configured, betas)
  const { 'anthropic-beta': _, ...rest } = headers
  return Object.freeze(value ? { ...rest, 'anthropic-beta': value } : rest)
}

const member = (config: Config, entry: Omit<UpstreamEntry, 'url'> & { url: URL }, keySource: string, overridesSource: string): PoolMember => {
  const betas = entry.betas ? new Set(entry.betas) : undefined
  const headers = buildUpstreamHeaders(config, { key: entry.key, keySource, overrides: entry.headers, overridesSource })
  return {
    name: entry.name,
    urls: { messages: entry.url.href, count_tokens: countTokensUrl(entry.url) },
    headers: withAcceptedBetas(headers, betas),
    weight: entry.weight ?? 1,
    models: entry.models ? new Set(entry.models) : undefined,
    cache: entry.cache ?? defaultCacheMode(entry.url),
    betas,
  }
}

const fromEntries = (config: Config): PoolMember[] =>
  config.upstreams.map((entry, i) => {
    const label = `${ENV_VARS.upstreams.name}: entry ${i + 1} ("${entry.name}")`
    let url: URL
    try {
      url = parseHttpUrl(entry.url)
    } catch (error) {
      if (!(error instanceof EnvValueError)) throw error
      // The URL may carry credentials: named, never quoted.
      throw new ConfigError(`${label} url: ${error.message}`)
    }
    return member(config, { ...entry, url }, `${label} key`, `${label} headers`)
  })

/** UPSTREAM_API_URL with each UPSTREAM_API_KEY: `default`, or `default-1`, `default-2`… for several keys. */
const fromUrlAndKeys = (config: Config): PoolMember[] => {
  const url = config.upstreamApiUrl as URL
  const keys = config.upstreamApiKey
  return keys.map((key, i) => {
    const several = keys.length > 1
    const keySource = several ? `${ENV_VARS.upstreamApiKey.name} (key ${i + 1})` : ENV_VARS.upstreamApiKey.name
    return member(config, { name: several ? `default-${i + 1}` : 'default', url, key }, keySource, ENV_VARS.upstreamExtraHeaders.name)
  })
}

/**
 * The pool, built and checked once at start-up: UPSTREAMS_JSON when set, else UPSTREAM_API_URL
 * with its key or keys. Errors name the variable, the entry and the field, never a key.
 */
export const buildPoolMembers = (config: Config): PoolMember[] => {
  if (config.upstreams.length === 0) return fromUrlAndKeys(config)
  if (config.upstreamApiUrl || config.upstreamApiKey.length > 0) {
    throw new ConfigError(
      `${ENV_VARS.upstreams.name}: set together with ${ENV_VARS.upstreamApiUrl.name} or ${ENV_VARS.upstreamApiKey.name}; use one or the other`,
    )
  }
  return fromEntries(config)
}
