import type { Message } from '../anthropic/response-schema.ts'
import type { ResponsesOutputContext } from '../mapping/to-responses-output.ts'
import type { ResponseObject, ResponseSkeleton } from '../openai/responses-schema.ts'
import { AnthropicToResponsesStream, type ResponsesStreamOutcome } from '../stream/anthropic-to-responses.ts'
import { type OpenedStream, type StreamSettings, stageOptionsOf } from './answer-stream.ts'

/**
 * The Responses API event frames of one opened upstream stream (openUpstreamStream): the upstream
 * body piped into the stage. The caller registers `stage` in the stream registry for the drain.
 */
export const toResponsesEventStream = ({
  opened,
  skeleton,
  context,
  settings,
  beforeTerminal,
  onEnd,
}: {
  opened: OpenedStream
  skeleton: ResponseSkeleton
  context: ResponsesOutputContext
  settings: StreamSettings
  /** The store write, awaited before the terminal event leaves; undefined with `store:false`. */
  beforeTerminal?: (response: ResponseObject, message: Message) => Promise<void>
  onEnd: (outcome: ResponsesStreamOutcome) => void
}) => {
  const stage = new AnthropicToResponsesStream({
    skeleton,
    context,
    beforeTerminal,
    onEnd,
    ...stageOptionsOf(opened, settings),
  })
  return { stage, frames: stage.readable }
}
