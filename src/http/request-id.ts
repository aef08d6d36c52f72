import { randomBytes } from 'node:crypto'

const SANE = /^[A-Za-z0-9._-]{1,128}$/
const PREFIX = `req_${randomBytes(4).toString('hex')}${process.pid.toString(36)}`
let counter = 0

/** A client's own x-request-id is kept when it is sane; otherwise a process-unique id (no RNG per request). */
export const toRequestId = (fromClient: string | null): string =>
  fromClient !== null && SANE.test(fromClient) ? fromClient : `${PREFIX}_${(++counter).toString(36)}`
