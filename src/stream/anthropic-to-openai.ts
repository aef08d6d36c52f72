import type { Usage } from '../anthropic/response-schema.ts'
import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { JSON_TOOL_NAME } from '../mapping/to-anthropic-response-format.ts'
import { isKnownStopReason, REFUSAL_FALLBACK, toOpenAIFinishReason } from '../mapping/to-openai-finish-reason.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import type { CompletionUsage, FinishReason } from '../openai/response-schema.ts'
import { clientClosed, streamIncomplete, toOpenAIErrorFromEvent, upstreamBadResponse } from '../upstream/upstream-error.ts'
import { type ChunkFrames, DONE_FRAME, errorFrame, KEEP_ALIVE_FRAME, PING_FRAME } from './chunk-frames.ts'
import { readRawDelta } from './raw-delta.ts'
import { type SseDecoder, SseEventTooLargeError } from './sse-decoder.ts'

export type StreamOutcome = {
  finishReason: FinishReason | undefined
  usage: CompletionUsage
  /** Set when the stream ended in an error chunk instead of a finish_reason. */
  error: OpenAIError | undefined
  /** The upstream's stop_reason when the table does not know it (logged as a warning). */
  unknownStopReason: string | undefined
}

export type AnthropicToOpenAIOptions = {
  frames: ChunkFrames
  jsonTool: boolean
  /** Whether this stream writes the usage chunk and `[DONE]` (n > 1 streams leave that to the merge). */
  terminal: boolean
  includeUsage: boolean
  heartbeatMs: number
  /** The decoder that already read the first event, with its state (a half line, half a character). */
  decoder: SseDecoder
  /** The first event, already read (and parsed) to decide the HTTP status before the 200. */
  first: StreamEvent | undefined
  /** The data of events that arrived in the same read as the first one. */
  pending: readonly string[]
  onEnd: (outcome: StreamOutcome) => void
}

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other'

/**
 * Anthropic SSE bytes → OpenAI chunk bytes (wire doc §3), one stage: decode, parse and map each
 * read, then write its frames as one chunk. The role chunk comes first; a finish_reason only after
 * `message_stop`, so a cut stream ends in an error chunk, never a false stop.
 */
export class AnthropicToOpenAIStream extends TransformStream<Uint8Array, string> {
  /** Ends the stream now with this error chunk (drain deadline); no-op once it has ended. */
  readonly abortWith: (error: OpenAIError) => void

  constructor(options: AnthropicToOpenAIOptions) {
    const { frames, jsonTool, terminal, includeUsage, decoder } = options
    const blocks: BlockKind[] = []
    /** Tool-call index per block index: tool calls count from 0 in the order they start. */
    const toolIndex: number[] = []
    const toolHasArguments: boolean[] = []
    let toolCount = 0
    const usage: Usage = {}
    let stopReason: string | null | undefined
    let stopExplanation: string | undefined
    let ended = false
    /** The readable side was closed (terminate), after an error or a complete answer. */
    let closed = false
    let heartbeat: ReturnType<typeof setTimeout> | undefined
    let ctrl: TransformStreamDefaultController<string>
    /** Frames of the read being processed, written as one chunk at its end. */
    let out = ''

    const emit = (frame: string) => {
      out += frame
    }
    const flushOut = () => {
      if (out === '') return
      ctrl.enqueue(out)
      out = ''
    }

    const mergeUsage = (next: Usage | undefined | null) => {
      if (!next) return
      for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
        const value = next[key]
        if (value != null) usage[key] = value
      }
      if (next.output_tokens_details?.thinking_tokens != null) usage.output_tokens_details = next.output_tokens_details
    }

    const end = (finishReason: FinishReason | undefined, error: OpenAIError | undefined) => {
      if (ended) return
      ended = true
      clearTimeout(heartbeat)
      const unknownStopReason = finishReason && !isKnownStopReason(stopReason) ? String(stopReason) : undefined
      const outcome = { finishReason, usage: toOpenAIUsage(usage), error, unknownStopReason }
      // Not synchronously: the stream may end while it is still being constructed (a first event
      // that ends it), before its owner holds a reference to it.
      queueMicrotask(() => options.onEnd(outcome))
    }

    const fail = (error: OpenAIError) => {
      if (ended) return
      if (error.status === 499) {
        // The client's doing (it stopped reading): no error chunk it would never read, and no clean
        // end either (no reason: Bun prints a response body's error reason as if it were uncaught).
        end(undefined, error)
        closed = true
        ctrl.error()
        return
      }
      emit(terminal ? errorFrame(error) + DONE_FRAME : errorFrame(error))
      end(undefined, error)
      flushOut()
      closed = true
      ctrl.terminate()
    }

    /**
     * Once the answer is complete the stream closes, which also closes the upstream body: an
     * upstream that keeps its connection open after `message_stop` must not hold the client.
     */
    const closeIfFinished = () => {
      if (!ended || closed) return
      closed = true
      ctrl.terminate()
    }

    const finish = () => {
      const reason = toOpenAIFinishReason({ stopReason, jsonTool })
      if (reason === 'content_filter') emit(frames.delta(`{"refusal":${JSON.stringify(stopExplanation ?? REFUSAL_FALLBACK)}}`))
      emit(frames.finish(reason))
      if (terminal && includeUsage) emit(frames.usage(toOpenAIUsage(usage)))
      if (terminal) emit(DONE_FRAME)
      end(reason, undefined)
    }

    /** A delta's payload, as the JSON literal of its string. */
    const onText = (literal: string) => {
      if (literal !== '""') emit(frames.delta(`{"content":${literal}}`))
    }
    const onThinking = (literal: string) => {
      if (literal !== '""') emit(frames.delta(`{"reasoning_content":${literal}}`))
    }
    const onArguments = (index: number, literal: string) => {
      if (literal === '""') return
      const kind = blocks[index]
      if (kind === 'json') emit(frames.delta(`{"content":${literal}}`))
      else if (kind === 'tool') {
        toolHasArguments[index] = true
        emit(frames.delta(`{"tool_calls":[{"index":${toolIndex[index]},"function":{"arguments":${literal}}}]}`))
      }
    }

    const onBlockStart = (index: number, block: Extract<StreamEvent, { type: 'content_block_start' }>['content_block']) => {
      switch (block.type) {
        case 'text':
          blocks[index] = 'text'
          if (block.text) onText(JSON.stringify(block.text))
          return
        case 'tool_use': {
          if (jsonTool && block.name === JSON_TOOL_NAME) {
            blocks[index] = 'json'
            return
          }
          blocks[index] = 'tool'
          const k = toolCount++
          toolIndex[index] = k
          toolHasArguments[index] = false
          emit(
            frames.delta(
              `{"tool_calls":[{"index":${k},"id":${JSON.stringify(block.id)},"type":"function","function":{"name":${JSON.stringify(block.name)},"arguments":""}}]}`,
            ),
          )
          return
        }
        case 'thinking':
          blocks[index] = 'thinking'
          if (block.thinking) onThinking(JSON.stringify(block.thinking))
          return
        case 'redacted_thinking':
          blocks[index] = 'other'
          emit(frames.delta(`{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(block.data)}}]}`))
          return
        default:
          // Server tool blocks run upstream: nothing for the client to call.
          blocks[index] = 'other'
      }
    }

    const onDelta = (event: Extract<StreamEvent, { type: 'content_block_delta' }>) => {
      const delta = event.delta
      switch (delta.type) {
        case 'text_delta':
          return onText(JSON.stringify(delta.text))
        case 'input_json_delta':
          return onArguments(event.index, JSON.stringify(delta.partial_json))
        case 'thinking_delta':
          return onThinking(JSON.stringify(delta.thinking))
        case 'signature_delta':
          emit(frames.delta(`{"thinking_blocks":[{"type":"thinking","thinking":"","signature":${JSON.stringify(delta.signature)}}]}`))
          return
        case 'citations_delta':
          return
        default:
          return // delta types added later by the API
      }
    }

    const onEvent = (event: StreamEvent) => {
      switch (event.type) {
        case 'message_start':
          mergeUsage(event.message.usage)
          return
        case 'content_block_start':
          return onBlockStart(event.index, event.content_block)
        case 'content_block_delta':
          return onDelta(event)
        case 'content_block_stop':
          if (blocks[event.index] === 'tool' && !toolHasArguments[event.index]) {
            emit(frames.delta(`{"tool_calls":[{"index":${toolIndex[event.index]},"function":{"arguments":"{}"}}]}`))
          }
          return
        case 'message_delta':
          if (event.delta.stop_reason !== undefined) stopReason = event.delta.stop_reason
          if (event.delta.stop_details?.explanation) stopExplanation = event.delta.stop_details.explanation
          mergeUsage(event.usage)
          return
        case 'message_stop':
          return finish()
        case 'ping':
          emit(PING_FRAME)
          return
        case 'error':
          return fail(toOpenAIErrorFromEvent(event.error))
        default:
          return // event types added later by the API are ignored
      }
    }

    /** An event with a known type but not its documented shape is the upstream's fault, not a crash. */
    const mapEvent = (event: StreamEvent) => {
      try {
        onEvent(event)
      } catch {
        fail(upstreamBadResponse(`a ${String(event.type)} event of an unexpected shape`))
      }
    }

    /** One event's data, `text.slice(start, end)`; nothing after the stream has ended. */
    const onSseEvent = (text: string, start: number, end: number) => {
      if (ended) return
      const raw = readRawDelta(text, start, end)
      if (raw) {
        if (raw.type === 'text_delta') onText(raw.literal)
        else if (raw.type === 'thinking_delta') onThinking(raw.literal)
        else onArguments(raw.index, raw.literal)
        return
      }
      let event: StreamEvent
      try {
        event = JSON.parse(text.slice(start, end))
      } catch {
        return fail(upstreamBadResponse('an event was not JSON'))
      }
      if (typeof event !== 'object' || event === null) return fail(upstreamBadResponse('an event was not an object'))
      mapEvent(event)
    }

    const beat = () => {
      if (ended) return
      emit(KEEP_ALIVE_FRAME)
      flushOut()
      heartbeat?.refresh()
    }

    super({
      start(controller) {
        ctrl = controller
        emit(frames.delta('{"role":"assistant","content":""}'))
        if (options.heartbeatMs > 0) heartbeat = setTimeout(beat, options.heartbeatMs)
        if (options.first) mapEvent(options.first)
        for (const data of options.pending) onSseEvent(data, 0, data.length)
        flushOut()
        closeIfFinished()
      },
      transform(bytes) {
        if (ended) return
        heartbeat?.refresh()
        try {
          decoder.decode(bytes, onSseEvent)
        } catch (error) {
          // Only the parser's own refusal is the upstream's fault; anything else is ours and rethrown.
          if (!(error instanceof SseEventTooLargeError)) throw error
          return fail(upstreamBadResponse(error.message))
        }
        flushOut()
        closeIfFinished()
      },
      flush() {
        if (ended) return
        try {
          decoder.end(onSseEvent)
        } catch {
          // a half event at the end is discarded either way
        }
        if (!ended) fail(streamIncomplete())
        flushOut()
      },
      // Called when the client goes away (WHATWG Streams `transformer.cancel`, Bun ≥ 1.2; not in bun-types yet).
      cancel() {
        end(undefined, clientClosed())
      },
    } as Transformer<Uint8Array, string>)
    this.abortWith = fail
  }
}
