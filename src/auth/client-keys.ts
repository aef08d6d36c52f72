import type { Config } from '../config/env-schema.ts'
import { ConfigError } from '../config/load-config.ts'
import type { ClientKeyEntry } from '../limits/client-key-entry.ts'

export type KeyLimits = Readonly<Pick<ClientKeyEntry, 'rpm' | 'tpm' | 'max_concurrent' | 'daily_token_budget' | 'monthly_token_budget'>>

/** An admitted client key, as the request context carries it: never the key itself. */
export type ClientKey = {
  readonly digest: Uint8Array
  /** Shown in logs, metrics and usage: the entry's name, or the key id (8 hex of its SHA-256). */
  readonly label: string
  /** Only when at least one counted limit is set: keys without it never touch the limit store. */
  readonly limits?: KeyLimits
  /** Only when the entry lists `models`: the list (for GET /v1/usage) and its matcher. */
  readonly models?: readonly string[]
  readonly allowsModel?: (model: string) => boolean
}

const LIMIT_FIELDS = ['rpm', 'tpm', 'max_concurrent', 'daily_token_budget', 'monthly_token_budget'] as const

export const sha256 = (value: string) => Bun.SHA256.hash(value) as Uint8Array

/** Short, non-reversible name of a key for logs: the first 8 hex characters of its SHA-256. */
const toKeyId = (digest: Uint8Array) => Buffer.from(digest.subarray(0, 4)).toString('hex')

/** Exact names in a set, `*`-suffixed prefixes in a list: built once per key. */
const toModelMatcher = (models: readonly string[]) => {
  const exact = new Set(models.filter((model) => !model.endsWith('*')))
  const prefixes = models.filter((model) => model.endsWith('*')).map((model) => model.slice(0, -1))
  return (model: string) => exact.has(model) || prefixes.some((prefix) => model.startsWith(prefix))
}

const toLimits = (entry: ClientKeyEntry): KeyLimits | undefined => {
  const limits: Record<string, number> = {}
  for (const field of LIMIT_FIELDS) if (entry[field] !== undefined) limits[field] = entry[field]
  return Object.keys(limits).length > 0 ? limits : undefined
}

/**
 * Every client key from ALLOWED_API_KEYS, CLIENT_KEYS_JSON and CLIENT_KEYS_FILE, digested once.
 * Throws a one-line ConfigError for a key given twice, a name used twice, an admin key that is
 * also a client key, or no key at all.
 */
export const buildClientKeys = (config: Pick<Config, 'allowedApiKeys' | 'clientKeysJson' | 'clientKeysFile' | 'adminApiKey'>): ClientKey[] => {
  const keys: ClientKey[] = []
  /** Who holds each key digest (hex), for the error that names both holders. */
  const holders = new Map<string, string>()
  /** Labels in use: a name equal to another key's id would share its usage and stored responses. */
  const names = new Map<string, string>()
  for (const key of new Set(config.allowedApiKeys)) {
    const digest = sha256(key)
    holders.set(Buffer.from(digest).toString('hex'), 'ALLOWED_API_KEYS')
    keys.push({ digest, label: toKeyId(digest) })
    names.set(toKeyId(digest), 'the id of a key in ALLOWED_API_KEYS')
  }
  const sources = [
    ['CLIENT_KEYS_JSON', config.clientKeysJson],
    ['CLIENT_KEYS_FILE', config.clientKeysFile],
  ] as const
  for (const [variable, entries] of sources) {
    entries.forEach((entry, index) => {
      const where = `${variable}: entry ${index} ("${entry.name}")`
      const holder = `${variable} entry ${index}`
      const earlierName = names.get(entry.name)
      if (earlierName !== undefined) throw new ConfigError(`${where}, name: also used by ${earlierName}`)
      names.set(entry.name, holder)
      const digest = entry.key === undefined ? Buffer.from(entry.key_sha256 ?? '', 'hex') : sha256(entry.key)
      const hex = Buffer.from(digest).toString('hex')
      const earlierKey = holders.get(hex)
      if (earlierKey !== undefined) throw new ConfigError(`${where}, ${entry.key === undefined ? 'key_sha256' : 'key'}: the same key is also in ${earlierKey}`)
      holders.set(hex, holder)
      const limits = toLimits(entry)
      keys.push({
        digest,
        label: entry.name,
        ...(limits && { limits }),
        ...(entry.models && { models: entry.models, allowsModel: toModelMatcher(entry.models) }),
      })
    })
  }
  if (keys.length === 0) throw new ConfigError('ALLOWED_API_KEYS: required, but neither it nor CLIENT_KEYS_JSON / CLIENT_KEYS_FILE sets a key')
  if (config.adminApiKey !== undefined && holders.has(Buffer.from(sha256(config.adminApiKey)).toString('hex'))) {
    throw new ConfigError('ADMIN_API_KEY: must differ from every client key')
  }
  return keys
}
