import type { OpenAIError } from '../errors/openai-error.ts'
import { DONE_FRAME } from './chunk-frames.ts'

/**
 * The n choice streams of one request (n > 1) as one: frames interleave as they arrive, the first
 * error ends all of them, and one `[DONE]` follows the last, after the summed usage chunk if asked.
 * Each reader waits while the client is not reading, so backpressure still reaches every upstream.
 */
export const mergeChoiceStreams = ({
  streams,
  usageFrame,
  firstError,
}: {
  streams: readonly ReadableStream<Uint8Array>[]
  /** The usage chunk to write before `[DONE]`, or '' (called once all streams ended). */
  usageFrame: () => string
  /** An error one of the streams ended in (its frame was already written). */
  firstError: () => OpenAIError | undefined
}): ReadableStream<Uint8Array | string> => {
  const readers = streams.map((stream) => stream.getReader())
  let waiting: (() => void)[] = []
  let closed = false
  const cancelAll = (reason?: unknown) => Promise.all(readers.map((reader) => reader.cancel(reason).catch(() => {})))

  return new ReadableStream<Uint8Array | string>({
    start(controller) {
      const pump = async (reader: (typeof readers)[number]) => {
        for (;;) {
          if ((controller.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => waiting.push(resolve))
          if (closed) return
          const { done, value } = await reader.read()
          if (done || closed) return
          controller.enqueue(value)
          if (firstError()) {
            closed = true
            controller.enqueue(DONE_FRAME)
            controller.close()
            await cancelAll()
            return
          }
        }
      }
      Promise.all(readers.map(pump)).then(
        () => {
          if (closed) return
          closed = true
          controller.enqueue(usageFrame() + DONE_FRAME)
          controller.close()
        },
        (error: unknown) => {
          if (closed) return
          closed = true
          controller.error(error)
        },
      )
    },
    pull() {
      const resume = waiting
      waiting = []
      for (const wake of resume) wake()
    },
    cancel(reason) {
      closed = true
      for (const wake of waiting) wake()
      return cancelAll(reason).then(() => {})
    },
  })
}
