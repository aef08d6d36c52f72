import { type Static, Type as t } from '@sinclair/typebox'
import { Errors } from '@sinclair/typebox/errors'

/** How an upstream takes automatic prompt caching: Anthropic's top-level field, explicit breakpoints, or not at all. */
export const CacheMode = t.Union([t.Literal('top-level'), t.Literal('breakpoints'), t.Literal('off')])
export type CacheMode = Static<typeof CacheMode>

/** One entry of UPSTREAMS_JSON. The name is what logs, metrics and errors show; the key never is. */
export const UpstreamEntry = t.Object(
  {
    name: t.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
    url: t.String(),
    key: t.String({ minLength: 1 }),
    weight: t.Optional(t.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    /** Upstream model ids it serves (after MODEL_ALIASES); absent means every model. */
    models: t.Optional(t.Array(t.String({ minLength: 1 }), { minItems: 1 })),
    /** Applied after UPSTREAM_EXTRA_HEADERS_JSON, with its rules: an empty value removes a header. */
    headers: t.Optional(t.Record(t.String(), t.String())),
    cache: t.Optional(CacheMode),
    /** anthropic-beta values it accepts; absent means all. */
    betas: t.Optional(t.Array(t.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
)
export type UpstreamEntry = Static<typeof UpstreamEntry>

/** What is wrong with one entry, as `field: problem`, from TypeBox's first error (never the value). */
const problemOf = (entry: unknown): string | undefined => {
  const error = Errors(UpstreamEntry, entry).First()
  if (!error) return undefined
  const field = error.path.slice(1).replaceAll('/', '.') || 'entry'
  if (error.type === 42) return `${field}: not a known field (name, url, key, weight, models, headers, cache, betas)`
  if (field === 'name') return 'name: 1 to 64 of A-Z a-z 0-9 . _ -'
  return `${field}: ${error.message.toLowerCase()}`
}

/**
 * UPSTREAMS_JSON → its entries, checked: a JSON array of objects with unique names. Errors name
 * the entry (position and name) and the field. The URL is checked where the pool is built.
 */
export const parseUpstreamEntries = (raw: string, fail: (what: string) => never): UpstreamEntry[] => {
  if (raw.trim() === '') return []
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return fail('expected a JSON array of upstreams, got invalid JSON')
  }
  if (!Array.isArray(value) || value.length === 0) return fail('expected a non-empty JSON array of upstreams')
  const names = new Set<string>()
  value.forEach((entry, i) => {
    const name = (entry as { name?: unknown } | null)?.name
    const label = `entry ${i + 1}${typeof name === 'string' ? ` ("${name.slice(0, 64)}")` : ''}`
    const problem = problemOf(entry)
    if (problem) fail(`${label} ${problem}`)
    if (names.has(name as string)) fail(`${label} name: used twice`)
    names.add(name as string)
  })
  return value as UpstreamEntry[]
}
