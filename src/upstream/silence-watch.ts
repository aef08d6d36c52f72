import { OpenAIError } from '../errors/openai-error.ts'
import type { UpstreamReply } from './upstream-client.ts'
import { streamIncomplete, upstreamTimeout } from './upstream-error.ts'

/**
 * UPSTREAM_TIMEOUT as silence on one upstream body: with nothing heard for that long, the reply is
 * aborted with `upstream_timeout`. Used by every reader of an upstream body before or instead of
 * the stream mapper (which keeps its own timer, as it must write the error chunk itself).
 */
export const watchSilence = (reply: UpstreamReply, seconds: number) => {
  let timedOut: OpenAIError | undefined
  const timer = setTimeout(() => {
    timedOut = upstreamTimeout(seconds)
    reply.abort(timedOut)
  }, seconds * 1000)
  return {
    /** Bytes arrived: the silence starts again. */
    heard: () => timer.refresh(),
    stop: () => clearTimeout(timer),
    /**
     * Why a read of the body failed: the timeout if it fired; a hang-up aborted the body with
     * clientClosed() (logged as 499, not a fault); anything else is a cut body.
     */
    faultOf: (error: unknown): OpenAIError => timedOut ?? (error instanceof OpenAIError ? error : streamIncomplete()),
  }
}
