import { randomBytes } from 'node:crypto'

/** `resp_` for a response; `msg_`, `fc_`, `ctc_`, `rs_`, `ws_` for its output items; `fco_`, `ctco_` for tool outputs given as input. */
export type ResponseIdPrefix = 'resp' | 'msg' | 'fc' | 'ctc' | 'rs' | 'ws' | 'fco' | 'ctco'

const ID_BYTES = 16
/** Random bytes drawn 256 ids at a time: one call into the system's generator per 256, not per id. */
const POOL_BYTES = 256 * ID_BYTES
let pool = randomBytes(POOL_BYTES)
let used = 0

/**
 * A new id of the gateway's own: 128 random bits, so ids made by any replica never collide and
 * one client key cannot guess another's stored response (the store also scopes ids by key).
 * Each id takes bytes of the pool no other id took.
 */
export const newResponseId = (prefix: ResponseIdPrefix): string => {
  if (used === POOL_BYTES) {
    pool = randomBytes(POOL_BYTES)
    used = 0
  }
  const from = used
  used += ID_BYTES
  return `${prefix}_${pool.toString('hex', from, used)}`
}
