import { randomBytes } from 'node:crypto'

/** `resp_` for a response; `msg_`, `fc_`, `ctc_`, `rs_`, `ws_` for its output items; `fco_`, `ctco_` for tool outputs given as input. */
export type ResponseIdPrefix = 'resp' | 'msg' | 'fc' | 'ctc' | 'rs' | 'ws' | 'fco' | 'ctco'

/**
 * A new id of the gateway's own: 128 random bits, so ids made by any replica never collide and
 * one client key cannot guess another's stored response (the store also scopes ids by key).
 */
export const newResponseId = (prefix: ResponseIdPrefix): string => `${prefix}_${randomBytes(16).toString('hex')}`
