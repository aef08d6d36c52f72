import type { UpstreamReply } from './upstream-client.ts'
import { upstreamBadResponse } from './upstream-error.ts'
import { watchWaits } from './wait-watch.ts'

/**
 * One whole upstream body as text, in one read, so UPSTREAM_TIMEOUT runs from its headers to its
 * end. A cut, a silence or a hang-up throws (see watchWaits).
 */
export const readWholeBody = async (reply: UpstreamReply, idleTimeoutSeconds: number): Promise<string> => {
  const silence = watchWaits(reply, idleTimeoutSeconds)
  try {
    return await reply.response.text()
  } catch (error) {
    throw silence.faultOf(error)
  } finally {
    silence.stop()
  }
}

/** The body's JSON; a body that is not whole JSON (cut short, an HTML page) is the upstream's fault. */
export const parseUpstreamJson = (reply: UpstreamReply, text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    throw upstreamBadResponse(`a ${reply.response.headers.get('content-type') ?? 'untyped'} body that is not complete JSON`)
  }
}
