import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { AnthropicRequestPlan } from '../mapping/to-anthropic-request.ts'
import { AnthropicToOpenAIStream, type StreamOutcome } from '../stream/anthropic-to-openai.ts'
import { createChunkFrames } from '../stream/chunk-frames.ts'
import { createSseDecoder, type SseDecoder, type SseEvent } from '../stream/sse-decoder.ts'
import { type FaultBox, watchUpstreamBody } from '../stream/watch-upstream-body.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { toOpenAIErrorFromEvent, upstreamBadResponse } from '../upstream/upstream-error.ts'

export type StreamSettings = { idleTimeoutSeconds: number; heartbeatMs: number; maxEventSize: number }

export type OpenedStream = {
  /** The rest of the upstream body, after what was read to find the first event. */
  body: ReadableStream<Uint8Array>
  decoder: SseDecoder
  first: StreamEvent
  /** Events that came in the same read as the first. */
  pending: SseEvent[]
  fault: FaultBox
}

const parseEvent = (sse: SseEvent): StreamEvent => {
  try {
    const event = JSON.parse(sse.data)
    if (typeof event === 'object' && event !== null && typeof event.type === 'string') return event
  } catch {
    // reported below
  }
  throw upstreamBadResponse('an event that is not a JSON object with a type')
}

/**
 * Opens the upstream event stream and reads up to its first event that is not a ping, before any
 * byte goes to the client: an `error` event, a timeout or an empty stream there is still a real
 * HTTP error, never a 200 that fails later.
 */
export const openUpstreamStream = async (reply: UpstreamReply, settings: StreamSettings): Promise<OpenedStream> => {
  const type = reply.response.headers.get('content-type') ?? ''
  if (!type.startsWith('text/event-stream') || !reply.response.body) {
    reply.response.body?.cancel().catch(() => {})
    throw upstreamBadResponse(`a ${type || 'untyped'} body where an event stream was expected`)
  }
  const fault: FaultBox = { current: undefined }
  const body = watchUpstreamBody({ body: reply.response.body, idleTimeoutSeconds: settings.idleTimeoutSeconds, abortUpstream: reply.abort, fault })
  const decoder = createSseDecoder({ maxEventSize: settings.maxEventSize })
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) throw fault.current ?? upstreamBadResponse('an event stream with no events')
      let events: SseEvent[]
      try {
        events = decoder.decode(value)
      } catch (error) {
        throw upstreamBadResponse((error as Error).message)
      }
      for (let i = 0; i < events.length; i++) {
        const event = parseEvent(events[i] as SseEvent)
        if (event.type === 'ping') continue
        if (event.type === 'error') throw toOpenAIErrorFromEvent(event.error)
        reader.releaseLock()
        return { body, decoder, first: event, pending: events.slice(i + 1), fault }
      }
    }
  } catch (error) {
    reader.cancel().catch(() => {})
    throw error
  }
}

/** The OpenAI chunk frames of one opened upstream stream, as choice `choiceIndex`. */
export const toChunkStream = ({
  opened,
  plan,
  id,
  created,
  choiceIndex,
  terminal,
  heartbeatMs,
  onEnd,
}: {
  opened: OpenedStream
  plan: AnthropicRequestPlan
  id: string
  created: number
  choiceIndex: number
  terminal: boolean
  heartbeatMs: number
  onEnd: (outcome: StreamOutcome) => void
}) => {
  const frames = createChunkFrames({ id, created, model: plan.requestedModel, choiceIndex, includeUsage: plan.includeUsage })
  const mapper = new AnthropicToOpenAIStream({
    frames,
    jsonTool: plan.jsonTool,
    terminal,
    includeUsage: plan.includeUsage,
    heartbeatMs,
    decoder: opened.decoder,
    first: opened.first,
    pending: opened.pending,
    upstreamFault: () => opened.fault.current,
    onEnd,
  })
  return { mapper, frames: opened.body.pipeThrough(mapper) }
}

export const completionIdOf = (first: StreamEvent, fallback: string) =>
  first.type === 'message_start' ? `chatcmpl-${first.message.id}` : `chatcmpl-${fallback}`
