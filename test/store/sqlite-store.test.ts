import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StoreUnavailableError } from '../../src/store/response-store.ts'
import { createSqliteResponseStore } from '../../src/store/sqlite-store.ts'
import { describeResponseStoreContract, sampleRecord } from './response-store-contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'gateway-sqlite-store-'))
const path = join(dir, 'nested', 'responses.sqlite')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describeResponseStoreContract('sqlite', () => createSqliteResponseStore(path))

describe('sqlite: the file', () => {
  test('its directory is created and it is in WAL mode, so workers read while one writes', () => {
    const store = createSqliteResponseStore(join(dir, 'a', 'b', 'wal.sqlite'))
    const raw = new Database(join(dir, 'a', 'b', 'wal.sqlite'))
    expect(raw.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    raw.close()
    void store.close()
  })

  test('a path that cannot be created fails at creation with StoreUnavailableError naming it', () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, '')
    const unwritable = join(file, 'responses.sqlite')
    expect(() => createSqliteResponseStore(unwritable)).toThrow(StoreUnavailableError)
    expect(() => createSqliteResponseStore(unwritable)).toThrow(unwritable)
  })

  test('a put that fails half-way leaves nothing behind', async () => {
    const file = join(dir, 'half.sqlite')
    const store = createSqliteResponseStore(file)
    const raw = new Database(file)
    raw.run(`CREATE TRIGGER refuse_second_item BEFORE INSERT ON items WHEN NEW.position = 1
             BEGIN SELECT RAISE(ABORT, 'refused'); END`)
    const record = sampleRecord()
    await expect(store.put(record)).rejects.toThrow(StoreUnavailableError)
    expect(await store.get(record.id, record.keyId)).toBeUndefined()
    expect(raw.query('SELECT count(*) AS n FROM items').get()).toEqual({ n: 0 })
    raw.close()
    await store.close()
  })

  test('a row that is not valid JSON is StoreUnavailableError, not a crash', async () => {
    const file = join(dir, 'corrupt.sqlite')
    const store = createSqliteResponseStore(file)
    const record = sampleRecord()
    await store.put(record)
    const raw = new Database(file)
    raw.run("UPDATE responses SET data = '{not json'")
    await expect(store.get(record.id, record.keyId)).rejects.toThrow(StoreUnavailableError)
    raw.close()
    await store.close()
  })

  test('expired rows are swept from the file', async () => {
    const file = join(dir, 'sweep.sqlite')
    const store = createSqliteResponseStore(file, { sweepEveryMs: 100 })
    const record = sampleRecord({ expiresAt: Date.now() / 1000 + 0.3 })
    await store.put(record)
    const raw = new Database(file)
    const rows = () => raw.query('SELECT (SELECT count(*) FROM responses) AS responses, (SELECT count(*) FROM items) AS items').get()
    expect(rows()).toEqual({ responses: 1, items: 2 })
    await Bun.sleep(600)
    expect(rows()).toEqual({ responses: 0, items: 0 })
    raw.close()
    await store.close()
  })
})

describe('sqlite: several worker processes on one file', () => {
  test('two processes writing at once lose nothing', async () => {
    const file = join(dir, 'workers.sqlite')
    const writer = (worker: number) => `
      import { createSqliteResponseStore } from ${JSON.stringify(join(import.meta.dir, '../../src/store/sqlite-store.ts'))}
      const store = createSqliteResponseStore(${JSON.stringify(file)})
      const now = Math.floor(Date.now() / 1000)
      for (let n = 0; n < 150; n += 1) {
        await store.put({ id: 'resp_${worker}_' + n, keyId: 'k', createdAt: now, expiresAt: now + 600, data: { n }, items: [{ id: 'msg_${worker}_' + n, item: n }] })
      }
      await store.close()`
    const procs = [1, 2].map((worker) => Bun.spawn([process.execPath, '-e', writer(worker)], { stdout: 'ignore', stderr: 'pipe' }))
    try {
      const codes = await Promise.all(procs.map((proc) => proc.exited))
      const errors = await Promise.all(procs.map((proc) => new Response(proc.stderr).text()))
      expect({ codes, errors }).toEqual({ codes: [0, 0], errors: ['', ''] })
    } finally {
      for (const proc of procs) if (proc.exitCode === null) proc.kill('SIGKILL')
    }
    const store = createSqliteResponseStore(file)
    for (const worker of [1, 2]) {
      for (let n = 0; n < 150; n += 1) {
        expect((await store.get(`resp_${worker}_${n}`, 'k'))?.data).toEqual({ n })
        expect(await store.findItem(`msg_${worker}_${n}`, 'k')).toBe(n)
      }
    }
    await store.close()
  })
})
