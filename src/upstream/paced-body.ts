import type { OpenAIError } from '../errors/openai-error.ts'
import type { UpstreamReply } from './upstream-client.ts'
import { clientClosed } from './upstream-error.ts'
import { watchWaits } from './wait-watch.ts'

export type PaceLimits = { idleTimeoutSeconds: number; clientIdleSeconds: number }

export type PacedBodyHooks = {
  /** Each chunk, as it is handed on. */
  onChunk?: (bytes: Uint8Array) => void
  /**
   * Called once, when the body is over: `undefined` at its end, else why it ended early (a limit,
   * a cut; the client's doing has status 499). May return bytes to send last.
   */
  onEnd: (fault: OpenAIError | undefined) => Uint8Array | undefined
}

/**
 * An upstream body as a pull stream, read only as fast as its consumer asks, so a slow client
 * slows the upstream socket. UPSTREAM_TIMEOUT times the upstream's silence while a read is
 * pending, CLIENT_IDLE_TIMEOUT the client's idleness between reads (see watchWaits). A client
 * that took nothing for that long errors the stream, so the answer cannot end as if whole (its
 * route then closes the connection, see dropConnection).
 */
export const pacedBody = (reply: UpstreamReply, body: ReadableStream<Uint8Array>, limits: PaceLimits, hooks: PacedBodyHooks) => {
  const reader = body.getReader()
  let ended = false
  const end = (fault: OpenAIError | undefined) => {
    if (ended) return undefined
    ended = true
    waits.stop()
    return hooks.onEnd(fault)
  }
  let consumer: ReadableStreamDefaultController<Uint8Array>
  const waits = watchWaits(reply, limits.idleTimeoutSeconds, {
    seconds: limits.clientIdleSeconds,
    onIdle: (fault) => {
      if (ended) return
      end(fault)
      // Without a reason: Bun prints a response body's error reason as if it were uncaught.
      consumer.error()
    },
  })
  const close = (controller: ReadableStreamDefaultController<Uint8Array>, fault: OpenAIError | undefined) => {
    if (ended) return
    const last = end(fault)
    if (last) controller.enqueue(last)
    controller.close()
  }
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        consumer = controller
      },
      async pull(controller) {
        waits.reading()
        try {
          const { done, value } = await reader.read()
          if (done) return close(controller, undefined)
          hooks.onChunk?.(value)
          waits.handedOn()
          controller.enqueue(value)
        } catch (error) {
          close(controller, waits.faultOf(error))
        }
      },
      cancel(reason) {
        end(clientClosed())
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
