import { expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { createKeyChecker } from '../../src/auth/key-checker.ts'

const idOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 8)

test('an allowed key gets its own id (first 8 hex of its SHA-256); anything else gets null', () => {
  const keys = ['sk-first-key', 'sk-second-key-longer', 'sk-ünïcode-key']
  const check = createKeyChecker(keys)
  for (const key of keys) expect(check(key)).toBe(idOf(key))
  for (const wrong of ['', 'sk-first-ke', 'sk-first-key ', 'SK-FIRST-KEY', 'x'.repeat(10_000)]) expect(check(wrong)).toBeNull()
  expect(createKeyChecker([])('sk-first-key')).toBeNull()
})
