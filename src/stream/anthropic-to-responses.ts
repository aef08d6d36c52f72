import type { Message, ResponseBlock, StopDetails, Usage } from '../anthropic/response-schema.ts'
import type { StreamEvent } from '../anthropic/stream-events.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import {
  ITEM_ID_PREFIX,
  outputItemTypeOf,
  type ResponsesOutputContext,
  toAddedItem,
  toOutputItem,
  toRefusalItem,
  toResponseObject,
} from '../mapping/to-responses-output.ts'
import { toResponsesStatus } from '../mapping/to-responses-status.ts'
import { toResponsesUsage } from '../mapping/to-responses-usage.ts'
import { upstreamString } from '../mapping/upstream-fields.ts'
import type { OutputItem, ResponseObject, ResponseSkeleton } from '../openai/responses-schema.ts'
import { mergeUsage } from './merge-usage.ts'
import { escapedOf } from './raw-delta.ts'
import { createResponseFrames, type ResponseFrames } from './response-frames.ts'
import { itemDoneFrames, refusalFrames } from './response-item-frames.ts'
import { completeBlock, type StreamedBlock } from './streamed-block.ts'
import { type EventMapper, type EventStageOptions, type StageOutput, UpstreamEventStage } from './upstream-event-stage.ts'

export type ResponsesStreamOutcome = {
  /** What the terminal event carried (completed, incomplete or failed); undefined when the client left first. */
  response: ResponseObject | undefined
  /** The upstream answer reassembled, blocks and signatures verbatim, when it was complete: the history to store. */
  message: Message | undefined
  error: OpenAIError | undefined
  /** The upstream's stop_reason when the status table does not know it (logged as a warning). */
  unknownStopReason: string | undefined
}

export type AnthropicToResponsesOptions = EventStageOptions & {
  /** The response fields known before the answer (id, created_at, model as the client named it, echoes). */
  skeleton: ResponseSkeleton
  context: ResponsesOutputContext
  /**
   * Awaited before the terminal event leaves (the store write), with the final response and the
   * reassembled Message. A rejection turns the terminal event into `response.failed`, with the
   * rejection's code when it is an OpenAIError, else `store_unavailable`.
   */
  beforeTerminal: ((response: ResponseObject, message: Message) => Promise<void>) | undefined
  onEnd: (outcome: ResponsesStreamOutcome) => void
}

/** The rejection of `beforeTerminal` as the error the client sees. */
const notStored = (error: unknown) =>
  error instanceof OpenAIError
    ? error
    : new OpenAIError({
        status: 503,
        type: 'server_error',
        code: 'store_unavailable',
        message: 'The answer is complete but the response store did not accept it, so it was not kept',
      })

/**
 * Anthropic SSE bytes → Responses API events (responses-api.md §5), on the shared stage
 * (decoding, heartbeat, timeouts, failures: upstream-event-stage.ts). `response.created` and
 * `response.in_progress` come first; each block the client sees becomes one output item, its
 * `output_index` counted here; `message_stop` ends in exactly one `response.completed` or
 * `response.incomplete` with the whole response, and any failure after the 200 in `response.failed`.
 * Items are built by the same mapping as the JSON answer (to-responses-output.ts).
 */
export class AnthropicToResponsesStream extends UpstreamEventStage {
  constructor(options: AnthropicToResponsesOptions) {
    super(options, (out) => responsesMapper(options, out))
  }
}

const responsesMapper = (options: AnthropicToResponsesOptions, out: StageOutput): EventMapper => {
  const { skeleton, context } = options
  const numbered = createResponseFrames()
  /** Every other frame takes its sequence number after the joined delta before it (see flushJoined). */
  const frames: ResponseFrames = {
    head: numbered.head,
    frame: (type, members) => {
      flushJoined()
      return numbered.frame(type, members)
    },
    tail: () => {
      flushJoined()
      return numbered.tail()
    },
  }
  const blocks: (StreamedBlock | undefined)[] = []
  /** Items by output_index, set when each is done. */
  const items: OutputItem[] = []
  const content: ResponseBlock[] = []
  let itemCount = 0
  const usage: Usage = {}
  let upstream: { id: string; model: string } = { id: '', model: '' }
  let stopReason: string | null = null
  let stopSequence: string | null = null
  let stopDetails: StopDetails = null
  let terminal: ResponsesStreamOutcome | undefined

  const responseWith = (outcome: Omit<Parameters<typeof toResponseObject>[1], 'output' | 'usage'>) =>
    toResponseObject(skeleton, { ...outcome, output: items.filter(Boolean), usage: toResponsesUsage(usage) })

  /**
   * Consecutive deltas of one block in the same upstream read go out as one delta event (as chat
   * completions joins its chunks, wire doc §3.5): the insides of their JSON string literals are
   * joined here and framed when another frame comes or the read ends (the stage calls `flush`).
   */
  let joinedBlock: StreamedBlock | undefined
  let joined = ''
  /** The joined deltas of one block: added to its text, and framed once (when the block streams). */
  const flushJoined = () => {
    const block = joinedBlock
    if (!block) return
    joinedBlock = undefined
    block.body += joined
    if (block.deltaHead !== '') {
      if (!block.announced) {
        block.announced = true
        out.emit(numbered.frame('response.reasoning_summary_part.added', `${block.at},"summary_index":0,"part":{"type":"summary_text","text":""}`))
      }
      out.emit(`${block.deltaHead}"${joined}"${numbered.tail()}`)
    }
    joined = ''
  }

  /** `escaped`: the inside of the delta's JSON string literal. */
  const onDelta = (index: number, escaped: string) => {
    const block = blocks[index]
    if (block === undefined || escaped === '') return
    if (block !== joinedBlock) {
      flushJoined()
      joinedBlock = block
    }
    joined += escaped
  }

  const onBlockStart = (index: number, start: ResponseBlock) => {
    const type = outputItemTypeOf(start, context)
    const block: StreamedBlock = { start, type, id: '', outputIndex: -1, at: '', body: '', signature: '', deltaHead: '', announced: true }
    blocks[index] = block
    if (type === undefined) return
    block.id = context.newId(ITEM_ID_PREFIX[type])
    block.outputIndex = itemCount++
    block.at = `"item_id":${JSON.stringify(block.id)},"output_index":${block.outputIndex}`
    const added = toAddedItem(start, type, block.id, context)
    out.emit(frames.frame('response.output_item.added', `"output_index":${block.outputIndex},"item":${JSON.stringify(added)}`))
    if (type === 'message') {
      out.emit(frames.frame('response.content_part.added', `${block.at},"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}`))
      block.deltaHead = frames.head('response.output_text.delta', `${block.at},"content_index":0,"logprobs":[],"delta":`)
    } else if (type === 'function_call') {
      block.deltaHead = frames.head('response.function_call_arguments.delta', `${block.at},"delta":`)
    } else if (type === 'reasoning' && context.summary && start.type === 'thinking') {
      block.deltaHead = frames.head('response.reasoning_summary_text.delta', `${block.at},"summary_index":0,"delta":`)
      block.announced = false
    }
    // Text a block starts with is its first delta.
    if (start.type === 'text') {
      const text = upstreamString(start, 'text')
      if (text) onDelta(index, escapedOf(text))
    } else if (start.type === 'thinking') {
      const thinking = upstreamString(start, 'thinking')
      if (thinking) onDelta(index, escapedOf(thinking))
    }
  }

  const onBlockStop = (index: number) => {
    const block = blocks[index]
    if (block === undefined) return
    // Its last deltas are part of its text (and go out before its done frames).
    if (block === joinedBlock) flushJoined()
    blocks[index] = undefined
    const complete = completeBlock(block)
    content[index] = complete
    if (block.type === undefined) return
    const item = toOutputItem(complete, block.type, block.id, context)
    items[block.outputIndex] = item
    out.emit(itemDoneFrames(frames, block, item))
  }

  const finish = () => {
    // Blocks the upstream left open are closed as the API would have (a compatible upstream may skip the stops).
    for (let index = 0; index < blocks.length; index++) if (blocks[index]) onBlockStop(index)
    const refusal = toRefusalItem({ stop_reason: stopReason, stop_details: stopDetails }, context)
    if (refusal) {
      out.emit(refusalFrames(frames, itemCount, refusal))
      items[itemCount++] = refusal
    }
    const { status, incomplete_details, unknownStopReason } = toResponsesStatus(stopReason)
    const response = responseWith({ status, incomplete_details, error: null })
    const message: Message = {
      ...upstream,
      type: 'message',
      role: 'assistant',
      content: content.filter(Boolean),
      stop_reason: stopReason,
      stop_sequence: stopSequence,
      stop_details: stopDetails,
      usage,
    }
    terminal = { response, message, error: undefined, unknownStopReason }
    const frame = () => frames.frame(status === 'completed' ? 'response.completed' : 'response.incomplete', `"response":${JSON.stringify(response)}`)
    if (!options.beforeTerminal) {
      out.emit(frame())
      return out.finish()
    }
    out.finishAfter(
      options.beforeTerminal(response, message).then(frame, (error: unknown) => {
        throw notStored(error)
      }),
    )
  }

  const onEvent = (event: StreamEvent) => {
    switch (event.type) {
      case 'message_start':
        upstream = { id: event.message.id, model: event.message.model }
        mergeUsage(usage, event.message.usage)
        return
      case 'content_block_start':
        return onBlockStart(event.index, event.content_block)
      case 'content_block_delta': {
        const delta = event.delta
        switch (delta.type) {
          case 'text_delta':
            return onDelta(event.index, escapedOf(upstreamString(delta, 'text')))
          case 'input_json_delta':
            return onDelta(event.index, escapedOf(upstreamString(delta, 'partial_json')))
          case 'thinking_delta':
            return onDelta(event.index, escapedOf(upstreamString(delta, 'thinking')))
          case 'signature_delta': {
            const block = blocks[event.index]
            if (block) block.signature += upstreamString(delta, 'signature')
            return
          }
          default:
            return // citations, and delta types added later by the API
        }
      }
      case 'content_block_stop':
        return onBlockStop(event.index)
      case 'message_delta':
        if (event.delta.stop_reason !== undefined) stopReason = event.delta.stop_reason
        stopSequence = (event.delta as { stop_sequence?: string | null }).stop_sequence ?? stopSequence
        if (event.delta.stop_details !== undefined) stopDetails = event.delta.stop_details
        mergeUsage(usage, event.usage)
        return
      case 'message_stop':
        return finish()
      default:
        return // event types added later by the API are ignored
    }
  }

  let failed: ResponseObject | undefined
  return {
    opening: () => {
      const response = JSON.stringify(toResponseObject(skeleton, { status: 'in_progress', incomplete_details: null, error: null, output: [], usage: null }))
      return frames.frame('response.created', `"response":${response}`) + frames.frame('response.in_progress', `"response":${response}`)
    },
    rawDelta: (raw) => onDelta(raw.index, raw.escaped),
    flush: flushJoined,
    event: onEvent,
    failure: (error) => {
      failed = responseWith({ status: 'failed', incomplete_details: null, error: { code: error.code ?? error.type, message: error.message } })
      return frames.frame('response.failed', `"response":${JSON.stringify(failed)}`)
    },
    ended: (error) => {
      if (!error) return options.onEnd(terminal as ResponsesStreamOutcome)
      options.onEnd({ response: failed, message: undefined, error, unknownStopReason: undefined })
    },
  }
}
