import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildClientKeys } from '../../src/auth/client-keys.ts'
import { ConfigError, loadConfig } from '../../src/config/load-config.ts'

const BASE = { UPSTREAM_API_URL: 'https://api.example.com/v1/messages', UPSTREAM_API_KEY: 'sk-upstream' }
const keysOf = (env: Record<string, string>) => buildClientKeys(loadConfig({ ...BASE, ...env }))
const errorOf = (env: Record<string, string>) => {
  try {
    keysOf(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('client keys from ALLOWED_API_KEYS, CLIENT_KEYS_JSON and CLIENT_KEYS_FILE', () => {
  test('keys from all three are accepted together; settings become limits and a model matcher', () => {
    const dir = mkdtempSync(join(tmpdir(), 'client-keys-'))
    const file = join(dir, 'keys.json')
    writeFileSync(file, JSON.stringify([{ name: 'from-file', key: 'sk-file', daily_token_budget: 1000 }]))
    const keys = keysOf({
      ALLOWED_API_KEYS: 'sk-plain',
      CLIENT_KEYS_JSON: JSON.stringify([
        { name: 'team-a', key: 'sk-a', rpm: 10, tpm: 5000, models: ['claude-sonnet-4-5', 'claude-haiku-*'] },
        { name: 'only-models', key: 'sk-m', models: ['x'] },
      ]),
      CLIENT_KEYS_FILE: file,
    })
    expect(keys.map((key) => [key.label, key.limits])).toEqual([
      [createHash('sha256').update('sk-plain').digest('hex').slice(0, 8), undefined],
      ['team-a', { rpm: 10, tpm: 5000 }],
      ['only-models', undefined],
      ['from-file', { daily_token_budget: 1000 }],
    ])
    const allows = keys[1]?.allowsModel as (model: string) => boolean
    expect(['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-haiku-'].map(allows)).toEqual([true, true, true])
    expect(['claude-sonnet-4-5-x', 'claude-opus-4-1', 'claude-haik'].map(allows)).toEqual([false, false, false])
    expect(keys[0]?.allowsModel).toBeUndefined()
  })

  test('a repeated key in ALLOWED_API_KEYS stays accepted, once', () => {
    expect(keysOf({ ALLOWED_API_KEYS: 'sk-a,sk-a' })).toHaveLength(1)
  })

  test.each([
    [{ ALLOWED_API_KEYS: ' , ' }, 'ALLOWED_API_KEYS: required, but neither it nor CLIENT_KEYS_JSON / CLIENT_KEYS_FILE sets a key'],
    [
      { ALLOWED_API_KEYS: 'sk-a', CLIENT_KEYS_JSON: '[{"name":"a","key":"sk-a"}]' },
      'CLIENT_KEYS_JSON: entry 0 ("a"), key: the same key is also in ALLOWED_API_KEYS',
    ],
    [
      { ALLOWED_API_KEYS: 'sk-a', CLIENT_KEYS_JSON: `[{"name":"a","key_sha256":"${createHash('sha256').update('sk-a').digest('hex')}"}]` },
      'CLIENT_KEYS_JSON: entry 0 ("a"), key_sha256: the same key is also in ALLOWED_API_KEYS',
    ],
    [
      { CLIENT_KEYS_JSON: '[{"name":"a","key":"sk-1"},{"name":"b","key":"sk-1"}]' },
      'CLIENT_KEYS_JSON: entry 1 ("b"), key: the same key is also in CLIENT_KEYS_JSON entry 0',
    ],
    [
      { CLIENT_KEYS_JSON: '[{"name":"a","key":"sk-1"},{"name":"a","key":"sk-2"}]' },
      'CLIENT_KEYS_JSON: entry 1 ("a"), name: also used by CLIENT_KEYS_JSON entry 0',
    ],
    [{ ALLOWED_API_KEYS: 'sk-a', ADMIN_API_KEY: 'sk-a' }, 'ADMIN_API_KEY: must differ from every client key'],
    [
      { ALLOWED_API_KEYS: 'sk-a', CLIENT_KEYS_JSON: `[{"name":"${createHash('sha256').update('sk-a').digest('hex').slice(0, 8)}","key":"sk-b"}]` },
      `CLIENT_KEYS_JSON: entry 0 ("${createHash('sha256').update('sk-a').digest('hex').slice(0, 8)}"), name: also used by the id of a key in ALLOWED_API_KEYS`,
    ],
  ])('%o → %s', (env, message) => {
    const error = errorOf(env)
    expect(error).toBe(message)
    expect(error).not.toContain('sk-')
  })
})
