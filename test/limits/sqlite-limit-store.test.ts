import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { periodsOf } from '../../src/limits/limit-rules.ts'
import { createSqliteLimitStore } from '../../src/limits/sqlite-limit-store.ts'
import { openSharedSqlite } from '../../src/store/open-shared-sqlite.ts'
import { describeLimitStoreContract } from './limit-store-contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'limits-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeLimitStoreContract('sqlite', () => createSqliteLimitStore(join(dir, 'limits.sqlite')))

describe('sqlite: LIMITS_DB_SYNC', () => {
  test("normal keeps the checkpoints' fsync, off (the launcher's own file) skips it", () => {
    const synchronousOf = (synchronous: 'normal' | 'off') => {
      const db = openSharedSqlite(join(dir, `sync-${synchronous}.sqlite`), { schema: 'CREATE TABLE IF NOT EXISTS t (x)', busyTimeoutMs: 100, synchronous })
      const value = db.query<{ synchronous: number }, []>('PRAGMA synchronous').get()?.synchronous
      db.close()
      return value
    }
    // SQLite's numbers: 0 OFF, 1 NORMAL.
    expect([synchronousOf('normal'), synchronousOf('off')]).toEqual([1, 0])
  })
})

/** The layout the first version wrote: rowid tables, with an index for the in-flight slots. */
const FIRST_LAYOUT = `
CREATE TABLE buckets (name TEXT NOT NULL, kind TEXT NOT NULL, level REAL NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (name, kind));
CREATE TABLE active (id TEXT PRIMARY KEY, name TEXT NOT NULL, deadline INTEGER NOT NULL);
CREATE INDEX active_by_name ON active (name, deadline);
CREATE TABLE usage (name TEXT NOT NULL, period TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, period));`

describe('sqlite: a file an earlier version wrote', () => {
  test('keeps its budgets, buckets and in-flight slots, in the new tables only', async () => {
    const path = join(dir, 'first-layout.sqlite')
    const now = Date.now()
    const { day, month } = periodsOf(now)
    const old = new Database(path, { create: true, strict: true })
    old.run(FIRST_LAYOUT)
    old.query('INSERT INTO buckets VALUES ($name, $kind, $level, $at)').run({ name: 'team', kind: 'tokens', level: 250, at: now })
    old.query('INSERT INTO active VALUES ($id, $name, $deadline)').run({ id: 'req-1', name: 'team', deadline: now + 60_000 })
    const usage = old.query('INSERT INTO usage VALUES ($name, $period, $requests, $tokens, $prompt, $completion)')
    usage.run({ name: 'team', period: day, requests: 3, tokens: 900, prompt: 600, completion: 300 })
    usage.run({ name: 'team', period: month, requests: 40, tokens: 9000, prompt: 6000, completion: 3000 })
    old.close()

    const store = createSqliteLimitStore(path)
    try {
      const read = await store.read('team', now)
      expect(read.tokens).toEqual({ level: 250, at: now })
      expect(read.active).toBe(1)
      expect(read.today).toEqual({ requests: 3, tokens: 900, prompt_tokens: 600, completion_tokens: 300 })
      expect(read.thisMonth.tokens).toBe(9000)
      // The budget still counts what was spent before the upgrade.
      const refused = await store.reserve({ name: 'team', limits: { daily_token_budget: 1000 }, id: 'req-2', tokens: 200, now })
      expect(refused.refusal).toBe('daily_token_budget')
    } finally {
      store.close()
    }
    const after = new Database(path, { readonly: true })
    const tables = after.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    after.close()
    expect(tables.map((table) => table.name)).toEqual(['limit_active', 'limit_buckets', 'limit_usage'])
  })

  test('moved, then counted in again by an older version: both counts add up, the newer bucket wins', async () => {
    const path = join(dir, 'both-layouts.sqlite')
    const now = Date.now()
    const { day } = periodsOf(now)
    // This version counts 800 tokens, then an older one (its tables made afresh) counts 700 more.
    const first = createSqliteLimitStore(path)
    await first.reserve({ name: 'team', limits: { tpm: 100_000 }, id: 'req-new', tokens: 800, now: now - 60_000 })
    first.close()
    const old = new Database(path, { strict: true })
    old.run(FIRST_LAYOUT)
    old.query('INSERT INTO buckets VALUES ($name, $kind, $level, $at)').run({ name: 'team', kind: 'tokens', level: 42, at: now })
    old.query('INSERT INTO usage VALUES ($name, $period, $requests, $tokens, $prompt, $completion)').run({
      name: 'team',
      period: day,
      requests: 1,
      tokens: 700,
      prompt: 0,
      completion: 0,
    })
    old.close()

    const store = createSqliteLimitStore(path)
    try {
      const read = await store.read('team', now)
      expect(read.today).toEqual({ requests: 2, tokens: 1500, prompt_tokens: 0, completion_tokens: 0 })
      expect(read.tokens).toEqual({ level: 42, at: now })
      expect((await store.reserve({ name: 'team', limits: { daily_token_budget: 1600 }, id: 'req-2', tokens: 200, now })).refusal).toBe('daily_token_budget')
    } finally {
      store.close()
    }
  })
})
