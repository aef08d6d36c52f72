import type { Usage } from '../anthropic/response-schema.ts'
import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { JSON_TOOL_NAME } from '../mapping/to-anthropic-response-format.ts'
import { isKnownStopReason, REFUSAL_FALLBACK, toOpenAIFinishReason } from '../mapping/to-openai-finish-reason.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import type { CompletionUsage, FinishReason } from '../openai/response-schema.ts'
import { clientClosed, streamIncomplete, toOpenAIErrorFromEvent, upstreamBadResponse } from '../upstream/upstream-error.ts'
import { type ChunkFrames, DONE_FRAME, errorFrame, KEEP_ALIVE_FRAME, PING_FRAME } from './chunk-frames.ts'
import type { SseEvent } from './sse-decoder.ts'

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
  /** The first event, already read (and parsed) to decide the HTTP status before the 200. */
  first: StreamEvent | undefined
  /** A fault found before this stage (a cut, a timeout, an oversized event). */
  upstreamFault: () => OpenAIError | undefined
  onEnd: (outcome: StreamOutcome) => void
}

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other'

const contentDelta = (text: string) => `{"content":${JSON.stringify(text)}}`

/**
 * Anthropic SSE events → OpenAI chunk frames (wire doc §3). The role chunk is written first; a
 * finish_reason only after `message_stop`, so a cut stream ends in an error chunk, never a false stop.
 */
export class AnthropicToOpenAIStream extends TransformStream<SseEvent, string> {
  /** Ends the stream now with this error chunk (drain deadline); no-op once it has ended. */
  readonly abortWith: (error: OpenAIError) => void

  constructor(options: AnthropicToOpenAIOptions) {
    const { frames, jsonTool, terminal, includeUsage } = options
    const blocks: BlockKind[] = []
    /** Tool-call index per block index: tool calls count from 0 in the order they start. */
    const toolIndex: number[] = []
    const toolHasArguments: boolean[] = []
    let toolCount = 0
    const usage: Usage = {}
    let stopReason: string | null | undefined
    let stopExplanation: string | undefined
    let ended = false
    let heartbeat: ReturnType<typeof setTimeout> | undefined
    let ctrl: TransformStreamDefaultController<string>

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
      ctrl.enqueue(terminal ? errorFrame(error) + DONE_FRAME : errorFrame(error))
      end(undefined, error)
      ctrl.terminate()
    }

    const finish = () => {
      const reason = toOpenAIFinishReason({ stopReason, jsonTool })
      if (reason === 'content_filter') {
        ctrl.enqueue(frames.delta(`{"refusal":${JSON.stringify(stopExplanation ?? REFUSAL_FALLBACK)}}`))
      }
      let out = frames.finish(reason)
      if (terminal && includeUsage) out += frames.usage(toOpenAIUsage(usage))
      if (terminal) out += DONE_FRAME
      ctrl.enqueue(out)
      end(reason, undefined)
    }

    const onBlockStart = (index: number, block: Extract<StreamEvent, { type: 'content_block_start' }>['content_block']) => {
      switch (block.type) {
        case 'text':
          blocks[index] = 'text'
          if (block.text) ctrl.enqueue(frames.delta(contentDelta(block.text)))
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
          ctrl.enqueue(
            frames.delta(
              `{"tool_calls":[{"index":${k},"id":${JSON.stringify(block.id)},"type":"function","function":{"name":${JSON.stringify(block.name)},"arguments":""}}]}`,
            ),
          )
          return
        }
        case 'thinking':
          blocks[index] = 'thinking'
          if (block.thinking) ctrl.enqueue(frames.delta(`{"reasoning_content":${JSON.stringify(block.thinking)}}`))
          return
        case 'redacted_thinking':
          blocks[index] = 'other'
          ctrl.enqueue(frames.delta(`{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(block.data)}}]}`))
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
          if (delta.text) ctrl.enqueue(frames.delta(contentDelta(delta.text)))
          return
        case 'input_json_delta': {
          if (!delta.partial_json) return
          const kind = blocks[event.index]
          if (kind === 'json') ctrl.enqueue(frames.delta(contentDelta(delta.partial_json)))
          else if (kind === 'tool') {
            toolHasArguments[event.index] = true
            ctrl.enqueue(
              frames.delta(`{"tool_calls":[{"index":${toolIndex[event.index]},"function":{"arguments":${JSON.stringify(delta.partial_json)}}}]}`),
            )
          }
          return
        }
        case 'thinking_delta':
          if (delta.thinking) ctrl.enqueue(frames.delta(`{"reasoning_content":${JSON.stringify(delta.thinking)}}`))
          return
        case 'signature_delta':
          ctrl.enqueue(frames.delta(`{"thinking_blocks":[{"type":"thinking","thinking":"","signature":${JSON.stringify(delta.signature)}}]}`))
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
            ctrl.enqueue(frames.delta(`{"tool_calls":[{"index":${toolIndex[event.index]},"function":{"arguments":"{}"}}]}`))
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
          ctrl.enqueue(PING_FRAME)
          return
        case 'error':
          return fail(toOpenAIErrorFromEvent(event.error))
        default:
          return // event types added later by the API are ignored
      }
    }

    const onSseEvent = (sse: SseEvent) => {
      if (ended) return
      let event: StreamEvent
      try {
        event = JSON.parse(sse.data)
      } catch {
        return fail(upstreamBadResponse('an event was not JSON'))
      }
      if (typeof event !== 'object' || event === null) return fail(upstreamBadResponse('an event was not an object'))
      onEvent(event)
    }

    const beat = () => {
      if (ended) return
      ctrl.enqueue(KEEP_ALIVE_FRAME)
      heartbeat?.refresh()
    }

    super({
      start(controller) {
        ctrl = controller
        controller.enqueue(frames.delta('{"role":"assistant","content":""}'))
        if (options.heartbeatMs > 0) heartbeat = setTimeout(beat, options.heartbeatMs)
        if (options.first) onEvent(options.first)
      },
      transform(sse) {
        heartbeat?.refresh()
        onSseEvent(sse)
      },
      flush() {
        if (!ended) fail(options.upstreamFault() ?? streamIncomplete())
      },
      // Called when the client goes away (WHATWG Streams `transformer.cancel`, Bun ≥ 1.2; not in bun-types yet).
      cancel() {
        end(undefined, clientClosed())
      },
    } as Transformer<SseEvent, string>)
    this.abortWith = fail
  }
}
