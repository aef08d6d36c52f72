import { toAnthropicErrorBody } from '../errors/error-response.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { watchSilence } from '../upstream/silence-watch.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { clientClosed, streamIncomplete } from '../upstream/upstream-error.ts'
import { createMessageStopScan } from './message-stop-scan.ts'

const encoder = new TextEncoder()

/**
 * An upstream event stream piped back byte for byte (Anthropic-native routes), pulled, so a slow
 * client slows the upstream socket. UPSTREAM_TIMEOUT applies between reads. If the body ends
 * early (a cut, an idle timeout, or an end before `message_stop`), an Anthropic `error` event
 * follows blank lines that close any half-sent event, so the client's SDK raises instead of
 * taking a cut stream for a whole one. `onEnd` gets why it ended early, if it did (a client that
 * left: clientClosed()).
 */
export const passthroughEventStream = (reply: UpstreamReply, idleTimeoutSeconds: number, onEnd: (fault: OpenAIError | undefined) => void) => {
  const body = reply.response.body
  if (!body) return null
  const reader = body.getReader()
  const silence = watchSilence(reply, idleTimeoutSeconds)
  const messageStop = createMessageStopScan()
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, fault: OpenAIError | undefined) => {
    silence.stop()
    onEnd(fault)
    if (fault && fault.code !== 'client_closed') {
      controller.enqueue(encoder.encode(`\n\nevent: error\ndata: ${JSON.stringify(toAnthropicErrorBody(fault))}\n\n`))
    }
    controller.close()
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read()
          if (done) return end(controller, messageStop.seen ? undefined : streamIncomplete())
          silence.heard()
          messageStop.see(value)
          controller.enqueue(value)
        } catch (error) {
          end(controller, silence.faultOf(error))
        }
      },
      cancel(reason) {
        silence.stop()
        onEnd(clientClosed())
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
