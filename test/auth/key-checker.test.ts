import { expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { buildClientKeys } from '../../src/auth/client-keys.ts'
import { createKeyChecker } from '../../src/auth/key-checker.ts'

const idOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 8)
const NO_ENTRIES = { clientKeysJson: [], clientKeysFile: [], adminApiKey: undefined }

test('an allowed key gets its own id (first 8 hex of its SHA-256); anything else gets null', () => {
  const keys = ['sk-first-key', 'sk-second-key-longer', 'sk-ünïcode-key']
  const check = createKeyChecker(buildClientKeys({ ...NO_ENTRIES, allowedApiKeys: keys }))
  for (const key of keys) expect(check(key)?.label).toBe(idOf(key))
  for (const wrong of ['', 'sk-first-ke', 'sk-first-key ', 'SK-FIRST-KEY', 'x'.repeat(10_000)]) expect(check(wrong)).toBeNull()
  expect(createKeyChecker([])('sk-first-key')).toBeNull()
})

test('a key given by its SHA-256 is found by the key itself, under its name', () => {
  const hex = createHash('sha256').update('sk-hashed').digest('hex')
  const check = createKeyChecker(buildClientKeys({ ...NO_ENTRIES, allowedApiKeys: [], clientKeysJson: [{ name: 'team-a', key_sha256: hex.toUpperCase() }] }))
  expect(check('sk-hashed')?.label).toBe('team-a')
  expect(check(hex)).toBeNull()
})
