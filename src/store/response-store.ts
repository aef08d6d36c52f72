/**
 * Where stored Responses API responses live. Two back ends share this contract: `bun:sqlite` in a
 * file (the embedded default, one instance) and Redis (`REDIS_URL`, many replicas).
 *
 * Every read and delete is scoped to the owning client key: another key's id answers as absent.
 * Expired records answer as absent. A record is written whole or not at all.
 */
export type StoredItem = {
  /** The item's own id (`msg_…`, `fc_…`, `rs_…`, `ctc_…`, or the id a client gave an input item). */
  readonly id: string
  /** The item as JSON-serialisable data, exactly as the Responses feature wants it back. */
  readonly item: unknown
}

export type StoredResponse = {
  /** `resp_…` */
  readonly id: string
  /** The owning client key's id (never the key itself). */
  readonly keyId: string
  /** Unix seconds. */
  readonly createdAt: number
  /** Unix seconds; after it the record answers as absent (and a back end may remove it). */
  readonly expiresAt: number
  /** JSON-serialisable: the response object, the resolved upstream history, the input items. */
  readonly data: unknown
  /** Items that `item_reference` may name later (input and output items), each under its own id. */
  readonly items: readonly StoredItem[]
}

export interface ResponseStore {
  /** Atomic: afterwards `get` finds the whole record, or (on a throw) nothing of it. */
  put(record: StoredResponse): Promise<void>
  get(id: string, keyId: string): Promise<StoredResponse | undefined>
  /** True when a record of this key was there and is now gone. */
  delete(id: string, keyId: string): Promise<boolean>
  /** An item of any unexpired stored response of this key, by item id. */
  findItem(itemId: string, keyId: string): Promise<unknown | undefined>
  /** For /health: whether the back end answers (bounded by the back end's own timeout). */
  ping(): Promise<boolean>
  close(): Promise<void>
}

/** Any back-end failure (unreachable, timed out, corrupt): the routes answer 503 `store_unavailable`. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}
