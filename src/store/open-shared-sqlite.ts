import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

const SET_UP_ATTEMPTS = 50
const SET_UP_PAUSE_MS = 20

/**
 * A SQLite file that several worker processes open at once, in WAL mode (readers beside the one
 * writer) with a busy timeout, and `schema` applied. The workers start together, and the switch to
 * WAL can meet another worker's lock that busy_timeout does not wait for (SQLITE_BUSY at once), so
 * the set-up is tried again for up to a second. Runs once per worker, at start-up.
 */
export const openSharedSqlite = (
  path: string,
  {
    schema,
    busyTimeoutMs,
    strict = false,
    synchronous = 'normal',
  }: {
    schema: string
    busyTimeoutMs: number
    strict?: boolean
    /** OFF only for a file nothing needs after an OS crash: it skips the checkpoints' fsync. */
    synchronous?: 'normal' | 'off'
  },
) => {
  mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { create: true, strict })
  for (let attempt = 1; ; attempt++) {
    try {
      db.run(`PRAGMA busy_timeout = ${busyTimeoutMs}`)
      db.run('PRAGMA journal_mode = WAL')
      // In WAL mode NORMAL loses no committed write when the process dies, only on power loss;
      // OFF neither, but an OS crash may leave the file unreadable. (LIMITS_DB_SYNC's values are the pragma's.)
      db.run(`PRAGMA synchronous = ${synchronous}`)
      db.transaction(() => db.run(schema)).immediate()
      return db
    } catch (error) {
      if (attempt >= SET_UP_ATTEMPTS || !/locked|busy/i.test((error as Error).message)) {
        db.close()
        throw error
      }
      Bun.sleepSync(SET_UP_PAUSE_MS)
    }
  }
}
