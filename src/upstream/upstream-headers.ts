import { type Config, ENV_VARS } from '../config/env-schema.ts'
import { ConfigError } from '../config/load-config.ts'

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones fetch computes itself: never configurable. */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host', 'content-length'])
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/**
 * RFC 9110 field-value without the obsolete obs-text: visible ASCII, space, tab. Bun's fetch
 * refuses CR, LF, NUL and anything past U+00FF, and sends other control or Latin-1 characters
 * mangled, so a pasted Unicode hyphen would fail every request as "connection failed".
 */
const NOT_FIELD_VALUE = /[^\t\x20-\x7e]/u

/**
 * Where `value` holds a character a header cannot carry (1-based, in characters, with its code
 * point), or undefined. Never quotes the value: it may be a key.
 */
export const headerValueProblem = (value: string): string | undefined => {
  const bad = NOT_FIELD_VALUE.exec(value)
  if (!bad) return undefined
  const position = [...value.slice(0, bad.index)].length + 1
  const codePoint = (bad[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')
  return `character ${position} (U+${codePoint}) cannot be sent in a header (visible ASCII, space and tab only)`
}

const checked = (variable: string, value: string) => {
  const problem = headerValueProblem(value)
  if (problem) throw new ConfigError(`${variable}: ${problem}`)
  return value
}

/** A pool member's key and header overrides, and the names its start-up errors give them. */
export type MemberHeaders = { key: string; keySource: string; overrides?: Readonly<Record<string, unknown>>; overridesSource?: string }

/** Adds, overrides (a string) or removes (an empty string) headers, refusing hop-by-hop and computed ones. */
const applyOverrides = (headers: Map<string, string>, overrides: Readonly<Record<string, unknown>>, source: string) => {
  for (const [rawName, value] of Object.entries(overrides)) {
    const name = rawName.toLowerCase()
    if (!TOKEN.test(name)) throw new ConfigError(`${source}: header name ${JSON.stringify(rawName)} is not a valid header name`)
    if (FORBIDDEN.has(name)) throw new ConfigError(`${source}: header ${rawName} cannot be set (hop-by-hop or computed by the gateway)`)
    if (typeof value !== 'string') throw new ConfigError(`${source}: header ${rawName} needs a string value`)
    if (value === '') {
      headers.delete(name)
      continue
    }
    headers.set(name, checked(`${source}: header ${rawName}`, value))
  }
}

/**
 * The upstream request headers of one pool member (by default the first UPSTREAM_API_KEY), built
 * and checked once at start-up. A value a header cannot carry stops start-up with a line that
 * names the variable and the character, never the value (it may carry a secret).
 */
export const buildUpstreamHeaders = (
  config: Config,
  member: MemberHeaders = { key: config.upstreamApiKey[0] ?? '', keySource: ENV_VARS.upstreamApiKey.name },
): Record<string, string> => {
  const headers = new Map<string, string>([
    ['content-type', 'application/json'],
    ['x-api-key', checked(member.keySource, member.key)],
    ['anthropic-version', checked(ENV_VARS.upstreamAnthropicVersion.name, config.upstreamAnthropicVersion)],
  ])
  if (config.upstreamAnthropicBeta) headers.set('anthropic-beta', checked(ENV_VARS.upstreamAnthropicBeta.name, config.upstreamAnthropicBeta))
  if (config.upstreamUserAgent) headers.set('user-agent', checked(ENV_VARS.upstreamUserAgent.name, config.upstreamUserAgent))
  if (config.upstreamXApp) headers.set('x-app', checked(ENV_VARS.upstreamXApp.name, config.upstreamXApp))
  if (config.upstreamAnthropicDangerous) headers.set('anthropic-dangerous-direct-browser-access', 'true')
  applyOverrides(headers, config.upstreamExtraHeaders, ENV_VARS.upstreamExtraHeaders.name)
  if (member.overrides) applyOverrides(headers, member.overrides, member.overridesSource ?? ENV_VARS.upstreams.name)
  return Object.freeze(Object.fromEntries(headers))
}
