import type { Usage } from '../anthropic/response-schema.ts'
import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { JSON_TOOL_NAME } from '../mapping/to-anthropic-response-format.ts'
import { isKnownStopReason, REFUSAL_FALLBACK, toOpenAIFinishReason } from '../mapping/to-openai-finish-reason.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import type { CompletionUsage, FinishReason } from '../openai/response-schema.ts'
import { type ChunkFrames, DONE_FRAME, errorFrame } from './chunk-frames.ts'
import { mergeUsage } from './merge-usage.ts'
import { type EventMapper, type EventStageOptions, type StageOutput, UpstreamEventStage } from './upstream-event-stage.ts'

export type StreamOutcome = {
  finishReason: FinishReason | undefined
  usage: CompletionUsage
  /** Set when the stream ended in an error chunk instead of a finish_reason. */
  error: OpenAIError | undefined
  /** The upstream's stop_reason when the table does not know it (logged as a warning). */
  unknownStopReason: string | undefined
}

export type AnthropicToOpenAIOptions = EventStageOptions & {
  frames: ChunkFrames
  jsonTool: boolean
  /** Whether this stream writes the usage chunk and `[DONE]` (n > 1 streams leave that to the merge). */
  terminal: boolean
  includeUsage: boolean
  onEnd: (outcome: StreamOutcome) => void
}

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other'

/**
 * Anthropic SSE bytes → OpenAI chunk bytes (wire doc §3), on the shared stage (decoding, timers,
 * failures: upstream-event-stage.ts). The role chunk comes first; a finish_reason only after
 * `message_stop`, so a cut stream ends in an error chunk, never a false stop.
 */
export class AnthropicToOpenAIStream extends UpstreamEventStage {
  constructor(options: AnthropicToOpenAIOptions) {
    super(options, (out) => chatMapper(options, out))
  }
}

const chatMapper = (options: AnthropicToOpenAIOptions, out: StageOutput): EventMapper => {
  const { frames, jsonTool, terminal, includeUsage } = options
  const blocks: BlockKind[] = []
  /** Tool-call index per block index: tool calls count from 0 in the order they start. */
  const toolIndex: number[] = []
  const toolHasArguments: boolean[] = []
  let toolCount = 0
  const usage: Usage = {}
  let stopReason: string | null | undefined
  let stopExplanation: string | undefined
  let finishReason: FinishReason | undefined

  const finish = () => {
    const reason = toOpenAIFinishReason({ stopReason, jsonTool })
    if (reason === 'content_filter') out.emit(frames.delta(`{"refusal":${JSON.stringify(stopExplanation ?? REFUSAL_FALLBACK)}}`))
    out.emit(frames.finish(reason))
    if (terminal && includeUsage) out.emit(frames.usage(toOpenAIUsage(usage)))
    if (terminal) out.emit(DONE_FRAME)
    finishReason = reason
    out.finish()
  }

  /** A delta's payload, as the JSON literal of its string. */
  const onText = (literal: string) => {
    if (literal !== '""') out.emit(frames.delta(`{"content":${literal}}`))
  }
  const onThinking = (literal: string) => {
    if (literal !== '""') out.emit(frames.delta(`{"reasoning_content":${literal}}`))
  }
  const onArguments = (index: number, literal: string) => {
    if (literal === '""') return
    const kind = blocks[index]
    if (kind === 'json') out.emit(frames.delta(`{"content":${literal}}`))
    else if (kind === 'tool') {
      toolHasArguments[index] = true
      out.emit(frames.delta(`{"tool_calls":[{"index":${toolIndex[index]},"function":{"arguments":${literal}}}]}`))
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
        out.emit(
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
        out.emit(frames.delta(`{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(block.data)}}]}`))
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
        out.emit(frames.delta(`{"thinking_blocks":[{"type":"thinking","thinking":"","signature":${JSON.stringify(delta.signature)}}]}`))
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
        mergeUsage(usage, event.message.usage)
        return
      case 'content_block_start':
        return onBlockStart(event.index, event.content_block)
      case 'content_block_delta':
        return onDelta(event)
      case 'content_block_stop':
        if (blocks[event.index] === 'tool' && !toolHasArguments[event.index]) {
          out.emit(frames.delta(`{"tool_calls":[{"index":${toolIndex[event.index]},"function":{"arguments":"{}"}}]}`))
        }
        return
      case 'message_delta':
        if (event.delta.stop_reason !== undefined) stopReason = event.delta.stop_reason
        if (event.delta.stop_details?.explanation) stopExplanation = event.delta.stop_details.explanation
        mergeUsage(usage, event.usage)
        return
      case 'message_stop':
        return finish()
      default:
        return // event types added later by the API are ignored
    }
  }

  return {
    opening: () => frames.delta('{"role":"assistant","content":""}'),
    rawDelta: (raw) => {
      if (raw.type === 'text_delta') onText(raw.literal)
      else if (raw.type === 'thinking_delta') onThinking(raw.literal)
      else onArguments(raw.index, raw.literal)
    },
    event: onEvent,
    failure: (error) => (terminal ? errorFrame(error) + DONE_FRAME : errorFrame(error)),
    ended: (error) => {
      const reason = error ? undefined : finishReason
      const unknownStopReason = reason && !isKnownStopReason(stopReason) ? String(stopReason) : undefined
      options.onEnd({ finishReason: reason, usage: toOpenAIUsage(usage), error, unknownStopReason })
    },
  }
}
