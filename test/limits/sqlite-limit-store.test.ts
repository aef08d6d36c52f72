import { afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSqliteLimitStore } from '../../src/limits/sqlite-limit-store.ts'
import { describeLimitStoreContract } from './limit-store-contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'limits-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeLimitStoreContract('sqlite', () => createSqliteLimitStore(join(dir, 'limits.sqlite')))
