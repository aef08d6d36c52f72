import type { StreamEvent } from '../anthropic/stream-events.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import type { AnthropicRequestPlan } from '../mapping/to-anthropic-request.ts'
import { AnthropicToOpenAIStream, type StreamOutcome } from '../stream/anthropic-to-openai.ts'
import { createChunkFrames } from '../stream/chunk-frames.ts'
import { createSseDecoder, type SseDecoder, type SseReader } from '../stream/sse-decoder.ts'
import type { EventStageOptions } from '../stream/upstream-event-stage.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { toOpenAIErrorFromEvent, upstreamBadResponse } from '../upstream/upstream-error.ts'
import { watchWaits } from '../upstream/wait-watch.ts'

export type StreamSettings = { idleTimeoutSeconds: number; clientIdleSeconds: number; heartbeatMs: number; maxEventSize: number }

export type OpenedStream = {
  reply: UpstreamReply
  /** The rest of the upstream body, after what was read to find the first event. */
  body: ReadableStream<Uint8Array>
  decoder: SseDecoder
  first: StreamEvent
}

const parseEvent = (data: string): StreamEvent => {
  try {
    const event = JSON.parse(data)
    if (typeof event === 'object' && event !== null && typeof event.type === 'string') return event
  } catch {
    // reported below
  }
  throw upstreamBadResponse('an event that is not a JSON object with a type')
}

/**
 * Opens the upstream event stream and reads up to its first event that is not a ping, before any
 * byte goes to the client: an `error` event, a timeout or an empty stream there is still a real
 * HTTP error, never a 200 that fails later. Any byte resets the UPSTREAM_TIMEOUT clock.
 */
export const openUpstreamStream = async (reply: UpstreamReply, settings: StreamSettings): Promise<OpenedStream> => {
  const type = reply.response.headers.get('content-type') ?? ''
  const body = reply.response.body
  if (!type.startsWith('text/event-stream') || !body) {
    body?.cancel().catch(() => {})
    throw upstreamBadResponse(`a ${type || 'untyped'} body where an event stream was expected`)
  }
  const silence = watchWaits(reply, settings.idleTimeoutSeconds)
  const decoder = createSseDecoder({ maxEventSize: settings.maxEventSize })
  let first: StreamEvent | undefined
  // The first event that is not a ping ends the peek: the decoder pauses, and the rest of its
  // read is the mapper's.
  const peek: SseReader = {
    event: (text, start, end) => {
      const event = parseEvent(text.slice(start, end))
      if (event.type === 'ping') return
      if (event.type === 'error') throw toOpenAIErrorFromEvent(event.error)
      first = event
      decoder.pause()
    },
  }
  const reader = body.getReader()
  try {
    for (;;) {
      let read: Awaited<ReturnType<typeof reader.read>>
      silence.reading()
      try {
        read = await reader.read()
      } catch (error) {
        throw silence.faultOf(error)
      }
      if (read.done) throw upstreamBadResponse('an event stream with no events')
      try {
        decoder.decode(read.value, peek)
      } catch (error) {
        throw error instanceof OpenAIError ? error : upstreamBadResponse((error as Error).message)
      }
      if (first) {
        reader.releaseLock()
        return { reply, body, decoder, first }
      }
    }
  } catch (error) {
    reader.cancel().catch(() => {})
    throw error
  } finally {
    silence.stop()
  }
}

/** What every protocol's stage takes from the opened upstream stream and the settings. */
export const stageOptionsOf = (opened: OpenedStream, settings: StreamSettings): EventStageOptions => ({
  heartbeatMs: settings.heartbeatMs,
  decoder: opened.decoder,
  first: opened.first,
  reply: opened.reply,
  body: opened.body,
  limits: settings,
})

/**
 * The OpenAI chunk frames of one opened upstream stream, as choice `choiceIndex`: the upstream
 * body, read by the event stage as the client takes its frames.
 */
export const toChunkStream = ({
  opened,
  plan,
  id,
  created,
  choiceIndex,
  terminal,
  settings,
  onEnd,
}: {
  opened: OpenedStream
  plan: AnthropicRequestPlan
  id: string
  created: number
  choiceIndex: number
  terminal: boolean
  settings: StreamSettings
  onEnd: (outcome: StreamOutcome) => void
}) => {
  const frames = createChunkFrames({ id, created, model: plan.requestedModel, choiceIndex, includeUsage: plan.includeUsage })
  const mapper = new AnthropicToOpenAIStream({
    frames,
    jsonTool: plan.jsonTool,
    legacyFunctions: plan.legacyFunctions,
    terminal,
    includeUsage: plan.includeUsage,
    ...stageOptionsOf(opened, settings),
    onEnd,
  })
  return { mapper, frames: mapper.readable }
}

/** The upstream message's id when its message_start has one (checked: the event is not validated). */
export const completionIdOf = (first: StreamEvent, fallback: string) => {
  const id = first.type === 'message_start' ? (first.message as { id?: unknown } | undefined)?.id : undefined
  return `chatcmpl-${typeof id === 'string' ? id : fallback}`
}
