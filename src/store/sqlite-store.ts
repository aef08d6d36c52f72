import type { Database } from 'bun:sqlite'
import { openSharedSqlite } from './open-shared-sqlite.ts'
import { type ResponseStore, type StoredResponse, StoreUnavailableError } from './response-store.ts'

/**
 * How long a writer waits for another worker's write to finish. bun:sqlite is synchronous, so the
 * wait blocks this worker's event loop: writes are one short transaction each, so it stays short.
 */
const BUSY_TIMEOUT_MS = 1000
/** Expired rows are removed in small batches, so that no sweep holds the write lock for long. */
const SWEEP_EVERY_MS = 60_000
const SWEEP_BATCH = 500

const SCHEMA = `
CREATE TABLE IF NOT EXISTS responses (
  key_id TEXT NOT NULL, id TEXT NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL, data TEXT NOT NULL,
  PRIMARY KEY (key_id, id));
CREATE INDEX IF NOT EXISTS responses_by_expiry ON responses (expires_at);
CREATE TABLE IF NOT EXISTS items (
  key_id TEXT NOT NULL, response_id TEXT NOT NULL, position INTEGER NOT NULL,
  item_id TEXT NOT NULL, item TEXT NOT NULL, expires_at REAL NOT NULL,
  PRIMARY KEY (key_id, response_id, position));
CREATE INDEX IF NOT EXISTS items_by_id ON items (key_id, item_id);
CREATE INDEX IF NOT EXISTS items_by_expiry ON items (expires_at);
`

type ResponseRow = { created_at: number; expires_at: number; data: string }
type ItemRow = { item_id: string; item: string }

const unavailable = (what: string, error: unknown) => new StoreUnavailableError(`response store: ${what}: ${(error as Error).message}`)

const open = (path: string): Database => {
  try {
    return openSharedSqlite(path, { schema: SCHEMA, busyTimeoutMs: BUSY_TIMEOUT_MS })
  } catch (error) {
    throw unavailable(`cannot open ${path}`, error)
  }
}

/** The embedded response store: one SQLite file in WAL mode, shared by the workers of one instance. */
export const createSqliteResponseStore = (path: string, { sweepEveryMs = SWEEP_EVERY_MS } = {}): ResponseStore => {
  const db = open(path)
  const now = () => Date.now() / 1000
  const statements = {
    insertResponse: db.prepare('INSERT OR REPLACE INTO responses (key_id, id, created_at, expires_at, data) VALUES (?, ?, ?, ?, ?)'),
    insertItem: db.prepare('INSERT INTO items (key_id, response_id, position, item_id, item, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
    selectResponse: db.prepare<ResponseRow, [string, string, number]>(
      'SELECT created_at, expires_at, data FROM responses WHERE key_id = ? AND id = ? AND expires_at > ?',
    ),
    selectItems: db.prepare<ItemRow, [string, string]>('SELECT item_id, item FROM items WHERE key_id = ? AND response_id = ? ORDER BY position'),
    deleteResponse: db.prepare<{ expires_at: number }, [string, string]>('DELETE FROM responses WHERE key_id = ? AND id = ? RETURNING expires_at'),
    deleteItems: db.prepare('DELETE FROM items WHERE key_id = ? AND response_id = ?'),
    // The latest written copy wins when several responses of the key hold an item with this id.
    selectItem: db.prepare<{ item: string }, [string, string, number]>(
      'SELECT item FROM items WHERE key_id = ? AND item_id = ? AND expires_at > ? ORDER BY rowid DESC LIMIT 1',
    ),
    sweepResponses: db.prepare('DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE expires_at <= ? LIMIT ?)'),
    sweepItems: db.prepare('DELETE FROM items WHERE rowid IN (SELECT rowid FROM items WHERE expires_at <= ? LIMIT ?)'),
    ping: db.prepare('SELECT 1'),
  }

  const write = db.transaction((record: StoredResponse) => {
    const { keyId, id, expiresAt } = record
    statements.deleteItems.run(keyId, id)
    statements.insertResponse.run(keyId, id, record.createdAt, expiresAt, JSON.stringify(record.data))
    record.items.forEach((item, position) => {
      statements.insertItem.run(keyId, id, position, item.id, JSON.stringify(item.item), expiresAt)
    })
  }).immediate
  const remove = db.transaction((id: string, keyId: string) => {
    statements.deleteItems.run(keyId, id)
    const deleted = statements.deleteResponse.get(keyId, id)
    // An expired record was already absent: removing it early is no deletion.
    return deleted !== null && deleted.expires_at > now()
  }).immediate
  // One read transaction, so that a concurrent replace cannot mix two versions of a record.
  const read = db.transaction((id: string, keyId: string): StoredResponse | undefined => {
    const row = statements.selectResponse.get(keyId, id, now())
    if (!row) return undefined
    const items = statements.selectItems.all(keyId, id).map((item) => ({ id: item.item_id, item: JSON.parse(item.item) }))
    return { id, keyId, createdAt: row.created_at, expiresAt: row.expires_at, data: JSON.parse(row.data), items }
  }).deferred

  const guarded =
    <A extends unknown[], T>(what: string, work: (...args: A) => T) =>
    async (...args: A) => {
      try {
        return work(...args)
      } catch (error) {
        throw unavailable(what, error)
      }
    }

  const sweepBatch = db.transaction(
    (cutoff: number) => statements.sweepResponses.run(cutoff, SWEEP_BATCH).changes + statements.sweepItems.run(cutoff, SWEEP_BATCH).changes,
  ).immediate
  let sweepTimer: ReturnType<typeof setTimeout> | undefined
  const sweep = (): void => {
    let removed = 0
    try {
      removed = sweepBatch(now())
    } catch {
      // Busy or failing: the next sweep tries again; reads already treat these rows as absent.
    }
    // A full batch means more are left: the next batch once other work has had its turn.
    scheduleSweep(removed >= SWEEP_BATCH ? 0 : sweepEveryMs)
  }
  const scheduleSweep = (ms: number) => {
    sweepTimer = setTimeout(sweep, ms)
    sweepTimer.unref()
  }
  scheduleSweep(0)

  return {
    put: guarded('cannot write', (record: StoredResponse) => {
      write(record)
    }),
    get: guarded('cannot read', read),
    delete: guarded('cannot delete', remove),
    findItem: guarded('cannot read', (itemId: string, keyId: string) => {
      const row = statements.selectItem.get(keyId, itemId, now())
      return row ? (JSON.parse(row.item) as unknown) : undefined
    }),
    ping: async () => {
      try {
        statements.ping.get()
        return true
      } catch {
        return false
      }
    },
    close: async () => {
      clearTimeout(sweepTimer)
      db.close()
    },
  }
}
