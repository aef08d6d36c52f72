import type { Database } from 'bun:sqlite'
import { openSharedSqlite } from '../store/open-shared-sqlite.ts'
import { ACTIVE_LEASE_MS, type Bucket, decide, type KeyCounters, periodsOf, settleBucket } from './limit-rules.ts'
import { emptyPeriod, type KeyUsage, type LimitStore, type PeriodUsage } from './limit-store.ts'

// WITHOUT ROWID: each row lives in its primary key's b-tree, so a check writes one page per
// table, not a table page and an index page (and the in-flight slots need no second index).
// Every page a check writes is written again at the next checkpoint.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS limit_buckets (name TEXT NOT NULL, kind TEXT NOT NULL, level REAL NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (name, kind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limit_active (name TEXT NOT NULL, id TEXT NOT NULL, deadline INTEGER NOT NULL, PRIMARY KEY (name, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS limit_usage (name TEXT NOT NULL, period TEXT NOT NULL, requests INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (name, period)) WITHOUT ROWID;`

/**
 * The tables of the first layout (rowid tables with separate indexes), and how their rows join the
 * new ones. Both may hold counts: a file this version moved, then counted in by an older version
 * again (which makes its tables afresh). So counts add up, the newer bucket wins, and slots unite.
 */
const FIRST_LAYOUT = [
  [
    'buckets',
    `INSERT INTO limit_buckets (name, kind, level, at) SELECT name, kind, level, at FROM buckets WHERE true
      ON CONFLICT (name, kind) DO UPDATE SET level = excluded.level, at = excluded.at WHERE excluded.at > limit_buckets.at`,
  ],
  ['active', 'INSERT OR IGNORE INTO limit_active (name, id, deadline) SELECT name, id, deadline FROM active'],
  [
    'usage',
    `INSERT INTO limit_usage (name, period, requests, tokens, prompt_tokens, completion_tokens)
      SELECT name, period, requests, tokens, prompt_tokens, completion_tokens FROM usage WHERE true
      ON CONFLICT (name, period) DO UPDATE SET requests = requests + excluded.requests, tokens = tokens + excluded.tokens,
        prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens`,
  ],
] as const

/**
 * A file written by an earlier version keeps its counts: its rows move to the new tables and the
 * old tables go, in one transaction. The workers start together; the first does it, the rest find
 * nothing left to move.
 */
const moveFirstLayout = (db: Database) =>
  db
    .transaction(() => {
      const has = db.query<{ n: number }, { name: string }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = $name")
      for (const [table, copy] of FIRST_LAYOUT) {
        if ((has.get({ name: table })?.n ?? 0) === 0) continue
        db.run(copy)
        db.run(`DROP TABLE ${table}`)
      }
    })
    .immediate()

/** Periods older than this are deleted at start-up: the TTL of the SQLite store. */
const KEEP_PERIODS_MS = 62 * 24 * 3600 * 1000

/**
 * Counters in one SQLite file that every worker of an instance opens (LIMITS_DB_PATH; the launcher
 * makes a temporary one when unset), so a limit holds for the instance, not per worker. WAL lets
 * readers run beside the one writer; each check is one BEGIN IMMEDIATE transaction of prepared
 * statements, so two workers cannot both read the same count and both admit.
 */
export const createSqliteLimitStore = (path: string, { sync = 'normal' }: { sync?: 'normal' | 'off' } = {}): LimitStore => {
  // Counters, not records: NORMAL (no fsync per commit) loses nothing when a worker dies. OFF
  // (LIMITS_DB_SYNC) skips the checkpoints' fsync too, most of a check's cost on a disk.
  const db = openSharedSqlite(path, { schema: SCHEMA, busyTimeoutMs: 1000, strict: true, synchronous: sync })
  moveFirstLayout(db)
  db.query('DELETE FROM limit_usage WHERE period < $month').run({ month: periodsOf(Date.now() - KEEP_PERIODS_MS).month })

  const bucket = db.query<{ level: number; at: number }, { name: string; kind: string }>(
    'SELECT level, at FROM limit_buckets WHERE name = $name AND kind = $kind',
  )
  const writeBucket = db.query('INSERT OR REPLACE INTO limit_buckets (name, kind, level, at) VALUES ($name, $kind, $level, $at)')
  const dropExpired = db.query('DELETE FROM limit_active WHERE name = $name AND deadline < $now')
  const countActive = db.query<{ n: number }, { name: string }>('SELECT count(*) AS n FROM limit_active WHERE name = $name')
  const addActive = db.query('INSERT OR REPLACE INTO limit_active (name, id, deadline) VALUES ($name, $id, $deadline)')
  const removeActive = db.query('DELETE FROM limit_active WHERE name = $name AND id = $id')
  const period = db.query<PeriodUsage, { name: string; period: string }>(
    'SELECT requests, tokens, prompt_tokens, completion_tokens FROM limit_usage WHERE name = $name AND period = $period',
  )
  const addUsage = db.query(`INSERT INTO limit_usage (name, period, requests, tokens, prompt_tokens, completion_tokens)
    VALUES ($name, $period, $requests, $tokens, $prompt, $completion)
    ON CONFLICT (name, period) DO UPDATE SET requests = requests + $requests, tokens = tokens + $tokens,
      prompt_tokens = prompt_tokens + $prompt, completion_tokens = completion_tokens + $completion`)

  const readBucket = (name: string, kind: string): Bucket | undefined => bucket.get({ name, kind }) ?? undefined
  const saveBucket = (name: string, kind: string, value: Bucket | undefined) => {
    if (value) writeBucket.run({ name, kind, level: value.level, at: value.at })
  }
  const readPeriod = (name: string, key: string) => period.get({ name, period: key }) ?? emptyPeriod()
  const charge = (name: string, key: string, requests: number, tokens: number, prompt: number, completion: number) =>
    addUsage.run({ name, period: key, requests, tokens, prompt, completion })

  const reserve = db.transaction((r: Parameters<LimitStore['reserve']>[0]) => {
    const { day, month } = periodsOf(r.now)
    dropExpired.run({ name: r.name, now: r.now })
    const counters: KeyCounters = {
      requests: readBucket(r.name, 'requests'),
      tokens: readBucket(r.name, 'tokens'),
      active: countActive.get({ name: r.name })?.n ?? 0,
      dayTokens: readPeriod(r.name, day).tokens,
      monthTokens: readPeriod(r.name, month).tokens,
    }
    const decision = decide(counters, r.limits, r.tokens, r.now)
    if (decision.refusal) return decision
    saveBucket(r.name, 'requests', decision.requests)
    saveBucket(r.name, 'tokens', decision.tokens)
    addActive.run({ id: r.id, name: r.name, deadline: r.now + ACTIVE_LEASE_MS })
    charge(r.name, day, 1, r.tokens, 0, 0)
    charge(r.name, month, 1, r.tokens, 0, 0)
    return decision
  })

  const settle = db.transaction((s: Parameters<LimitStore['settle']>[0]) => {
    removeActive.run({ name: s.name, id: s.id })
    if (s.limits.tpm !== undefined) saveBucket(s.name, 'tokens', settleBucket(readBucket(s.name, 'tokens'), s.limits.tpm, s.reserved, s.used, s.now))
    charge(s.name, s.day, 0, s.used - s.reserved, s.prompt, s.completion)
    charge(s.name, s.month, 0, s.used - s.reserved, s.prompt, s.completion)
  })

  const read = db.transaction((name: string, now: number): KeyUsage => {
    const { day, month } = periodsOf(now)
    dropExpired.run({ name, now })
    return {
      requests: readBucket(name, 'requests'),
      tokens: readBucket(name, 'tokens'),
      active: countActive.get({ name })?.n ?? 0,
      today: readPeriod(name, day),
      thisMonth: readPeriod(name, month),
    }
  })

  // Promise.try turns a thrown SQLite error (disk full, locked past busy_timeout) into a rejection.
  return {
    kind: 'sqlite',
    reserve: (reservation) => Promise.try(() => reserve.immediate(reservation)),
    settle: (settlement) => Promise.try(() => settle.immediate(settlement)),
    read: (name, now) => Promise.try(() => read.deferred(name, now)),
    ping: () => Promise.resolve(true),
    close: () => db.close(),
  }
}
