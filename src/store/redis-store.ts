import { createRedisConnection, REDIS_TIMEOUT_MS } from './redis-connection.ts'
import { DELETE_SCRIPT, FIND_ITEM_SCRIPT, GET_SCRIPT, PUT_SCRIPT } from './redis-scripts.ts'
import { type ResponseStore, type StoredResponse, StoreUnavailableError } from './response-store.ts'

/** What the record hash keeps besides the items, which live in their own hashes. */
type RecordJson = { createdAt: number; expiresAt: number; data: unknown; itemIds: string[] }

/**
 * Ids go into key names encoded, so that no id (item ids come from clients) can break out of its
 * hash tag, add a line to the item list or collide with another key's names.
 */
const keysOf = (keyId: string) => {
  const tag = `{gw:resp:${encodeURIComponent(keyId)}}`
  return { records: `${tag}:r:`, items: `${tag}:i:` }
}

/** The response store on Redis (many replicas): see redis-scripts.ts for the layout. */
export const createRedisResponseStore = (url: string, { timeoutMs = REDIS_TIMEOUT_MS } = {}): ResponseStore => {
  const redis = createRedisConnection(url, timeoutMs)

  const evaluate = async (script: string, keys: string[], args: string[]): Promise<unknown> => {
    try {
      return await redis.call('EVAL', [script, String(keys.length), ...keys, ...args])
    } catch (error) {
      throw new StoreUnavailableError(`response store: ${(error as Error).message}`)
    }
  }

  const parse = <T>(json: string): T => {
    try {
      return JSON.parse(json) as T
    } catch {
      throw new StoreUnavailableError('response store: a stored record is not valid JSON')
    }
  }

  /** KEYS[1] and the two ARGVs that put, delete and get share. */
  const addressOf = (id: string, keyId: string) => {
    const { records, items } = keysOf(keyId)
    const responseId = encodeURIComponent(id)
    return { keys: [records + responseId], args: [items, responseId], items }
  }

  return {
    async put(record: StoredResponse) {
      const { keys, args, items } = addressOf(record.id, record.keyId)
      const itemIds = record.items.map((item) => encodeURIComponent(item.id))
      const json: RecordJson = {
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
        data: record.data,
        itemIds: record.items.map((item) => item.id),
      }
      await evaluate(
        PUT_SCRIPT,
        [...keys, ...itemIds.map((id) => items + id)],
        [
          ...args,
          String(Math.round(record.expiresAt * 1000)),
          JSON.stringify(json),
          itemIds.join('\n'),
          ...record.items.map((item) => JSON.stringify(item.item)),
        ],
      )
    },

    async get(id: string, keyId: string) {
      const { keys, args } = addressOf(id, keyId)
      const reply = (await evaluate(GET_SCRIPT, keys, args)) as string[] | null
      if (reply === null) return undefined
      const [recordJson = '', ...itemJsons] = reply
      const { itemIds, ...record } = parse<RecordJson>(recordJson)
      const items = itemIds.map((itemId, index) => ({ id: itemId, item: parse(itemJsons[index] ?? '') }))
      return { id, keyId, ...record, items }
    },

    async delete(id: string, keyId: string) {
      const { keys, args } = addressOf(id, keyId)
      return (await evaluate(DELETE_SCRIPT, keys, args)) === 1
    },

    async findItem(itemId: string, keyId: string) {
      const { records, items } = keysOf(keyId)
      const reply = (await evaluate(FIND_ITEM_SCRIPT, [items + encodeURIComponent(itemId)], [records])) as string | null
      return reply === null ? undefined : parse(reply)
    },

    async ping() {
      return redis.call('PING', []).then(
        (reply) => reply === 'PONG',
        () => false,
      )
    },

    async close() {
      redis.close()
    },
  }
}
