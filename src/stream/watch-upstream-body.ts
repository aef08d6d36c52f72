import type { OpenAIError } from '../errors/openai-error.ts'
import { streamIncomplete, upstreamTimeout } from '../upstream/upstream-error.ts'

/** Where a stage that cannot write to the client records why the upstream stream ended early. */
export type FaultBox = { current: OpenAIError | undefined }

/**
 * The upstream body as a stream that never errors: a reset or an idle timeout is recorded in
 * `fault` and the stream closes, so the stages after it can still write an error chunk and
 * `[DONE]` (an errored pipe would cut the client off silently). Any byte resets the idle clock,
 * pings and comments included. Reads are pulled, so a slow client slows the upstream socket.
 */
export const watchUpstreamBody = ({
  body,
  idleTimeoutSeconds,
  abortUpstream,
  fault,
}: {
  body: ReadableStream<Uint8Array>
  idleTimeoutSeconds: number
  abortUpstream: (reason: OpenAIError) => void
  fault: FaultBox
}): ReadableStream<Uint8Array> => {
  const reader = body.getReader()
  const idle = setTimeout(() => {
    fault.current ??= upstreamTimeout(idleTimeoutSeconds)
    abortUpstream(fault.current)
  }, idleTimeoutSeconds * 1000)
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read()
          if (done) {
            clearTimeout(idle)
            controller.close()
            return
          }
          idle.refresh()
          controller.enqueue(value)
        } catch {
          clearTimeout(idle)
          fault.current ??= streamIncomplete()
          controller.close()
        }
      },
      cancel(reason) {
        clearTimeout(idle)
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
