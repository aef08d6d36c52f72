import { toAnthropicErrorBody } from '../errors/error-response.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { watchSilence } from '../upstream/silence-watch.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { clientClosed } from '../upstream/upstream-error.ts'

const encoder = new TextEncoder()

/**
 * An upstream body piped back byte for byte (Anthropic-native routes), pulled, so a slow client
 * slows the upstream socket. UPSTREAM_TIMEOUT applies between reads. If the body ends early (a
 * cut, an idle timeout), an Anthropic `error` event follows blank lines that close any half-sent
 * event, so the client's SDK raises instead of taking a cut stream for a whole one. `onEnd` gets
 * why it ended early, if it did (a client that left: clientClosed()). `onChunk`, when given, sees
 * every chunk passed on.
 */
export const passthroughBody = (
  reply: UpstreamReply,
  idleTimeoutSeconds: number,
  onEnd: (fault: OpenAIError | undefined) => void,
  onChunk?: (chunk: Uint8Array) => void,
) => {
  const body = reply.response.body
  if (!body) return null
  const isStream = (reply.response.headers.get('content-type') ?? '').startsWith('text/event-stream')
  const reader = body.getReader()
  const silence = watchSilence(reply, idleTimeoutSeconds)
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, fault: OpenAIError | undefined) => {
    silence.stop()
    onEnd(fault)
    if (fault && isStream && fault.code !== 'client_closed') {
      controller.enqueue(encoder.encode(`\n\nevent: error\ndata: ${JSON.stringify(toAnthropicErrorBody(fault))}\n\n`))
    }
    controller.close()
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read()
          if (done) return end(controller, undefined)
          silence.heard()
          onChunk?.(value)
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
