import { OpenAIError } from '../errors/openai-error.ts'
import type { UpstreamReply } from './upstream-client.ts'
import { clientIdleTimeout, streamIncomplete, upstreamTimeout } from './upstream-error.ts'

export type ClientIdleLimit = {
  seconds: number
  /** The client took nothing for that long; the upstream request is already aborted. */
  onIdle: (fault: OpenAIError) => void
}

/**
 * The two waits of one upstream body, timed apart. While a read of the upstream is pending, its
 * silence counts towards UPSTREAM_TIMEOUT; while what was read waits for the client to take it
 * (backpressure), the client's idleness counts towards CLIENT_IDLE_TIMEOUT instead, so a slow
 * client is never reported as a silent upstream. Either limit aborts the reply with its reason.
 * Both timers stay armed, each refreshed as its wait starts and ignored outside it: a refresh is
 * cheaper per read than clearing and creating.
 */
export const watchWaits = (reply: UpstreamReply, seconds: number, client?: ClientIdleLimit) => {
  let waitingOnClient = false
  let fault: OpenAIError | undefined
  const endWith = (error: OpenAIError) => {
    fault = error
    reply.abort(error)
    return error
  }
  const silence = setTimeout(() => {
    if (!waitingOnClient && !fault) endWith(upstreamTimeout(seconds))
  }, seconds * 1000)
  const idle =
    client &&
    setTimeout(() => {
      if (waitingOnClient && !fault) client.onIdle(endWith(clientIdleTimeout(client.seconds)))
    }, client.seconds * 1000)
  return {
    /** A read of the upstream starts: its silence is timed from now. */
    reading: () => {
      waitingOnClient = false
      silence.refresh()
    },
    /** What was read went on towards the client: until the next read, the wait is the client's. */
    handedOn: () => {
      waitingOnClient = true
      idle?.refresh()
    },
    stop: () => {
      clearTimeout(silence)
      clearTimeout(idle)
    },
    /**
     * Why a read of the body failed: the limit that fired, if one did; a hang-up aborted the body
     * with clientClosed() (logged as 499, not a fault); anything else is a cut body.
     */
    faultOf: (error: unknown): OpenAIError => fault ?? (error instanceof OpenAIError ? error : streamIncomplete()),
  }
}
