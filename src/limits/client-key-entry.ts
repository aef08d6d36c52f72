import { type Static, Type as t } from '@sinclair/typebox'
import { Errors } from '@sinclair/typebox/errors'

const Limit = t.Integer({ minimum: 1 })

/**
 * One client key with its settings, as written in CLIENT_KEYS_JSON / CLIENT_KEYS_FILE. Every
 * limit is optional; absent means unlimited. `name` is what logs, metrics and usage show.
 */
export const ClientKeyEntry = t.Object(
  {
    // Safe as a metric label, a log field and inside a Redis hash tag.
    name: t.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    key: t.Optional(t.String({ minLength: 1 })),
    key_sha256: t.Optional(t.String({ pattern: '^[0-9a-fA-F]{64}$' })),
    rpm: t.Optional(Limit),
    tpm: t.Optional(Limit),
    max_concurrent: t.Optional(Limit),
    daily_token_budget: t.Optional(Limit),
    monthly_token_budget: t.Optional(Limit),
    /** Model names, or prefixes ending in `*`, matched on the model after MODEL_ALIASES. */
    models: t.Optional(t.Array(t.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false },
)
export type ClientKeyEntry = Static<typeof ClientKeyEntry>

const describeEntry = (index: number, value: unknown) => {
  const name = (value as { name?: unknown } | null)?.name
  return typeof name === 'string' && name.length <= 64 ? `entry ${index} ("${name}")` : `entry ${index}`
}

/** The field and problem of the first error, never the value (an entry holds a key). */
const problemWith = (value: unknown): string | undefined => {
  const error = Errors(ClientKeyEntry, value).First()
  if (error) {
    const field = error.path.slice(1).replaceAll('/', '.')
    const message = error.message.toLowerCase().replace(/ '.*'$/, '')
    return field === '' ? message : `${field}: ${message}`
  }
  const entry = value as ClientKeyEntry
  if ((entry.key === undefined) === (entry.key_sha256 === undefined)) return 'needs exactly one of key and key_sha256'
  return undefined
}

/**
 * A JSON array of ClientKeyEntry; throws Error("entry N ("name") field: problem") on the first bad
 * entry, entries counted from 0.
 */
export const parseClientKeyEntries = (raw: string): ClientKeyEntry[] => {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw new Error('expected a JSON array of keys, got invalid JSON')
  }
  if (!Array.isArray(value)) throw new Error('expected a JSON array of keys')
  value.forEach((entry, index) => {
    const problem = problemWith(entry)
    if (problem !== undefined) throw new Error(`${describeEntry(index, entry)}, ${problem}`)
  })
  return value as ClientKeyEntry[]
}
