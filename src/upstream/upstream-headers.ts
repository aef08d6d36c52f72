import type { Config } from '../config/env-schema.ts'
import { ConfigError } from '../config/load-config.ts'

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones fetch computes itself: never configurable. */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'content-length'])
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const VAR = 'UPSTREAM_EXTRA_HEADERS_JSON'

/**
 * The upstream request headers, built and checked once at start-up. A bad extra header stops
 * start-up with a line that names it, never its value (it may carry a secret).
 */
export const buildUpstreamHeaders = (config: Config): Record<string, string> => {
  const headers = new Map<string, string>([
    ['content-type', 'application/json'],
    ['x-api-key', config.upstreamApiKey],
    ['anthropic-version', config.upstreamAnthropicVersion],
  ])
  if (config.upstreamAnthropicBeta) headers.set('anthropic-beta', config.upstreamAnthropicBeta)
  if (config.upstreamUserAgent) headers.set('user-agent', config.upstreamUserAgent)
  if (config.upstreamXApp) headers.set('x-app', config.upstreamXApp)
  if (config.upstreamAnthropicDangerous) headers.set('anthropic-dangerous-direct-browser-access', 'true')
  for (const [rawName, value] of Object.entries(config.upstreamExtraHeaders)) {
    const name = rawName.toLowerCase()
    if (!TOKEN.test(name)) throw new ConfigError(`${VAR}: header name ${JSON.stringify(rawName)} is not a valid header name`)
    if (FORBIDDEN.has(name)) throw new ConfigError(`${VAR}: header ${rawName} cannot be set (hop-by-hop or computed by the gateway)`)
    if (typeof value !== 'string') throw new ConfigError(`${VAR}: header ${rawName} needs a string value`)
    if (value === '') {
      headers.delete(name)
      continue
    }
    try {
      // Headers rejects CR, LF, NUL and characters outside Latin-1 (measured, Bun 1.4).
      new Headers({ [name]: value })
    } catch {
      throw new ConfigError(`${VAR}: header ${rawName} has a value that is not allowed in a header (control or non-Latin-1 characters)`)
    }
    headers.set(name, value)
  }
  return Object.freeze(Object.fromEntries(headers))
}
