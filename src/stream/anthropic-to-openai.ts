import type { Usage } from '../anthropic/response-schema.ts'
import type { StreamEvent } from '../anthropic/stream-events.ts'
import type { OpenAIError } from '../errors/openai-error.ts'
import { JSON_TOOL_NAME } from '../mapping/to-anthropic-response-format.ts'
import { isKnownStopReason, refusalOf, toOpenAIFinishReason } from '../mapping/to-openai-finish-reason.ts'
import { toOpenAIUsage } from '../mapping/to-openai-usage.ts'
import { moreThanOneFunctionCall, upstreamString } from '../mapping/upstream-fields.ts'
import type { CompletionUsage, FinishReason } from '../openai/response-schema.ts'
import { type ChunkFrames, DONE_FRAME, errorFrame } from './chunk-frames.ts'
import { mergeUsage } from './merge-usage.ts'
import { escapedOf } from './raw-delta.ts'
import { FUNCTION_CALL_DELTAS, TOOL_CALL_DELTAS } from './tool-call-deltas.ts'
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
  /** The request declared legacy `functions`: the one call streams as `delta.function_call`. */
  legacyFunctions: boolean
  /** Whether this stream writes the usage chunk and `[DONE]` (n > 1 streams leave that to the merge). */
  terminal: boolean
  includeUsage: boolean
  onEnd: (outcome: StreamOutcome) => void
}

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other'

/** Kinds of deltas that join: content, reasoning, or the arguments of tool call `kind - ARGUMENTS`. */
const NO_JOIN = -1
const CONTENT = 0
const REASONING = 1
const ARGUMENTS = 2

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
  const { frames, jsonTool, legacyFunctions, terminal, includeUsage } = options
  const callDeltas = legacyFunctions ? FUNCTION_CALL_DELTAS : TOOL_CALL_DELTAS
  const blocks: BlockKind[] = []
  /** Tool-call index per block index: tool calls count from 0 in the order they start. */
  const toolIndex: number[] = []
  const toolHasArguments: boolean[] = []
  let toolCount = 0
  const usage: Usage = {}
  let stopReason: string | null | undefined
  let stopExplanation: unknown
  let finishReason: FinishReason | undefined
  /**
   * Consecutive deltas of one kind in the same read become one chunk (wire doc §3.5): the inside
   * of their JSON string literals is joined here and framed once, when another frame comes or
   * the read ends (the stage calls `flush`). Never held past the end of a read.
   */
  let joinedKind = NO_JOIN
  let joined = ''

  const flushJoined = () => {
    if (joinedKind === NO_JOIN) return
    const literal = `"${joined}"`
    if (joinedKind === CONTENT) out.emit(frames.delta(`{"content":${literal}}`))
    else if (joinedKind === REASONING) out.emit(frames.delta(`{"reasoning_content":${literal}}`))
    else out.emit(frames.delta(callDeltas.arguments(joinedKind - ARGUMENTS, literal)))
    joinedKind = NO_JOIN
    joined = ''
  }
  /** `escaped` is the inside of a JSON string literal, so it joins any other's. */
  const join = (kind: number, escaped: string) => {
    if (kind !== joinedKind) {
      flushJoined()
      joinedKind = kind
    }
    joined += escaped
  }
  const emit = (frame: string) => {
    flushJoined()
    out.emit(frame)
  }

  const finish = () => {
    const reason = toOpenAIFinishReason({ stopReason, clientToolCalled: toolCount > 0, legacyFunctions })
    if (reason === 'content_filter') emit(frames.delta(`{"refusal":${JSON.stringify(refusalOf(stopExplanation))}}`))
    emit(frames.finish(reason))
    if (terminal && includeUsage) emit(frames.usage(toOpenAIUsage(usage)))
    if (terminal) emit(DONE_FRAME)
    finishReason = reason
    out.finish()
  }

  /** A delta's payload, as the inside of its string's JSON literal. */
  const onText = (escaped: string) => {
    if (escaped !== '') join(CONTENT, escaped)
  }
  const onThinking = (escaped: string) => {
    if (escaped !== '') join(REASONING, escaped)
  }
  const onArguments = (index: number, escaped: string) => {
    if (escaped === '') return
    const kind = blocks[index]
    if (kind === 'json') join(CONTENT, escaped)
    else if (kind === 'tool') {
      toolHasArguments[index] = true
      join(ARGUMENTS + (toolIndex[index] as number), escaped)
    }
  }

  const onBlockStart = (index: number, block: Extract<StreamEvent, { type: 'content_block_start' }>['content_block']) => {
    switch (block.type) {
      case 'text':
        blocks[index] = 'text'
        onText(escapedOf(upstreamString(block, 'text')))
        return
      case 'tool_use': {
        const name = upstreamString(block, 'name')
        if (jsonTool && name === JSON_TOOL_NAME) {
          blocks[index] = 'json'
          return
        }
        if (legacyFunctions && toolCount === 1) throw moreThanOneFunctionCall(2)
        blocks[index] = 'tool'
        const k = toolCount++
        toolIndex[index] = k
        toolHasArguments[index] = false
        emit(frames.delta(callDeltas.start(k, JSON.stringify(upstreamString(block, 'id')), JSON.stringify(name))))
        return
      }
      case 'thinking':
        blocks[index] = 'thinking'
        onThinking(escapedOf(upstreamString(block, 'thinking')))
        return
      case 'redacted_thinking':
        blocks[index] = 'other'
        emit(frames.delta(`{"thinking_blocks":[{"type":"redacted_thinking","data":${JSON.stringify(upstreamString(block, 'data'))}}]}`))
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
        return onText(escapedOf(upstreamString(delta, 'text')))
      case 'input_json_delta':
        return onArguments(event.index, escapedOf(upstreamString(delta, 'partial_json')))
      case 'thinking_delta':
        return onThinking(escapedOf(upstreamString(delta, 'thinking')))
      case 'signature_delta':
        emit(frames.delta(`{"thinking_blocks":[{"type":"thinking","thinking":"","signature":${JSON.stringify(upstreamString(delta, 'signature'))}}]}`))
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
          emit(frames.delta(callDeltas.arguments(toolIndex[event.index] as number, '"{}"')))
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
      if (raw.type === 'text_delta') onText(raw.escaped)
      else if (raw.type === 'thinking_delta') onThinking(raw.escaped)
      else onArguments(raw.index, raw.escaped)
    },
    event: onEvent,
    flush: flushJoined,
    failure: (error) => (terminal ? errorFrame(error) + DONE_FRAME : errorFrame(error)),
    ended: (error) => {
      const reason = error ? undefined : finishReason
      const unknownStopReason = reason && !isKnownStopReason(stopReason) ? String(stopReason) : undefined
      options.onEnd({ finishReason: reason, usage: toOpenAIUsage(usage), error, unknownStopReason })
    },
  }
}
