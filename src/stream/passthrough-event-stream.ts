import { toAnthropicErrorBody } from '../errors/error-response.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { type PaceLimits, pacedBody } from '../upstream/paced-body.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { streamIncomplete } from '../upstream/upstream-error.ts'
import { createMessageStopScan } from './message-stop-scan.ts'

const encoder = new TextEncoder()

/**
 * An upstream event stream piped back byte for byte (Anthropic-native routes), paced by the
 * client (see pacedBody). If the body ends early (a cut, a silence, or an end before
 * `message_stop`), an Anthropic `error` event follows blank lines that close any half-sent event,
 * so the client's SDK raises instead of taking a cut stream for a whole one. `onEnd` gets why it
 * ended early, if it did (the client's doing: status 499).
 */
export const passthroughEventStream = (reply: UpstreamReply, limits: PaceLimits, onEnd: (fault: OpenAIError | undefined) => void) => {
  // No body at all is a stream that ended before message_stop too.
  const body = reply.response.body ?? new Blob().stream()
  const messageStop = createMessageStopScan()
  return pacedBody(reply, body, limits, {
    onChunk: messageStop.see,
    onEnd: (fault) => {
      const why = fault ?? (messageStop.seen ? undefined : streamIncomplete())
      onEnd(why)
      if (!why || why.status === 499) return undefined
      return encoder.encode(`\n\nevent: error\ndata: ${JSON.stringify(toAnthropicErrorBody(why))}\n\n`)
    },
  })
}
