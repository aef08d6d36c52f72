import type { Message, ResponseBlock } from '../anthropic/response-schema.ts'
import type { ResponseIdPrefix } from '../openai/response-ids.ts'
import type {
  IncompleteDetails,
  MessageItem,
  OutputItem,
  OutputItemType,
  ResponseError,
  ResponseObject,
  ResponseSkeleton,
  ResponseStatus,
  ResponseUsage,
} from '../openai/responses-schema.ts'
import { toEncryptedReasoning } from './reasoning-payload.ts'
import { refusalOf } from './to-openai-finish-reason.ts'
import { type ResponsesStatus, toResponsesStatus } from './to-responses-status.ts'
import { toResponsesUsage } from './to-responses-usage.ts'
import { upstreamString } from './upstream-fields.ts'

/** The client's tool an Anthropic tool name stands for (namespace tools are flattened upstream). */
export type ClientTool = { type: 'function' | 'custom'; name: string; namespace?: string }

export type ResponsesOutputContext = {
  /** Item ids are the gateway's own; passed in so the mapping stays pure. */
  newId: (prefix: ResponseIdPrefix) => string
  /** `include` has `reasoning.encrypted_content`. */
  includeEncryptedReasoning: boolean
  /** `reasoning.summary` was asked: reasoning items carry the thinking text as summary_text. */
  summary: boolean
  /** Anthropic tool name → the client's tool; a name not in it comes back as a function call of that name. */
  toolNames: ReadonlyMap<string, ClientTool>
  /** The forced tool of the structured-output fallback (JSON_TOOL_NAME): its input is the answer text. */
  jsonTool: string | undefined
}

export const ITEM_ID_PREFIX: Readonly<Record<OutputItemType, ResponseIdPrefix>> = {
  message: 'msg',
  function_call: 'fc',
  custom_tool_call: 'ctc',
  reasoning: 'rs',
  web_search_call: 'ws',
}

type ToolUseBlock = Extract<ResponseBlock, { type: 'tool_use' }>
type ReasoningBlock = Extract<ResponseBlock, { type: 'thinking' | 'redacted_thinking' }>
/** Server tool blocks are loosely typed (the API adds fields); these are the ones read here. */
type ServerToolUse = { name?: unknown; input?: { query?: unknown } }

/** The one place that decides what a block becomes; undefined: nothing for the client (server tool results). */
export const outputItemTypeOf = (block: ResponseBlock, context: ResponsesOutputContext): OutputItemType | undefined => {
  // The fields an item is built from are checked here, once: one missing is the upstream's fault.
  switch (block.type) {
    case 'text':
      upstreamString(block, 'text')
      return 'message'
    case 'tool_use': {
      upstreamString(block, 'id')
      const name = upstreamString(block, 'name')
      if (name === context.jsonTool) return 'message'
      return context.toolNames.get(name)?.type === 'custom' ? 'custom_tool_call' : 'function_call'
    }
    case 'thinking':
      upstreamString(block, 'thinking')
      return 'reasoning'
    case 'redacted_thinking':
      upstreamString(block, 'data')
      return 'reasoning'
    case 'server_tool_use':
      return (block as ServerToolUse).name === 'web_search' ? 'web_search_call' : undefined
    default:
      return undefined
  }
}

const messageItem = (id: string, text: string): MessageItem => ({
  type: 'message',
  id,
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [] }],
})

const clientNames = (name: string, context: ResponsesOutputContext) => {
  const tool = context.toolNames.get(name)
  if (!tool) return { name }
  return tool.namespace === undefined ? { name: tool.name } : { name: tool.name, namespace: tool.namespace }
}

/** A custom tool is offered upstream with one string property `input`; anything else is passed on as JSON, not lost. */
const customInput = (input: unknown) => {
  const inner = (input as { input?: unknown } | null | undefined)?.input
  return typeof inner === 'string' ? inner : JSON.stringify(input ?? {})
}

/** The complete item of a block, whose type `outputItemTypeOf` gave. */
export const toOutputItem = (block: ResponseBlock, type: OutputItemType, id: string, context: ResponsesOutputContext): OutputItem => {
  switch (type) {
    case 'message':
      return messageItem(id, block.type === 'text' ? block.text : JSON.stringify((block as ToolUseBlock).input ?? {}))
    case 'function_call': {
      const call = block as ToolUseBlock
      const names = clientNames(call.name, context)
      return { type, id, call_id: call.id, ...names, arguments: JSON.stringify(call.input ?? {}), status: 'completed' }
    }
    case 'custom_tool_call': {
      const call = block as ToolUseBlock
      return { type, id, call_id: call.id, ...clientNames(call.name, context), input: customInput(call.input), status: 'completed' }
    }
    case 'reasoning': {
      const thinking = block as ReasoningBlock
      const text = thinking.type === 'thinking' && context.summary ? thinking.thinking : ''
      const item: OutputItem = { type, id, summary: text === '' ? [] : [{ type: 'summary_text', text }] }
      if (context.includeEncryptedReasoning) item.encrypted_content = toEncryptedReasoning(thinking)
      return item
    }
    case 'web_search_call': {
      const query = (block as ServerToolUse).input?.query
      return { type, id, status: 'completed', action: typeof query === 'string' ? { type: 'search', query } : { type: 'search' } }
    }
  }
}

/**
 * A refusal ends the answer with one more message, whose refusal part says why (the upstream's
 * explanation, or a fixed sentence), as chat completions' `message.refusal` does.
 */
export const toRefusalItem = (
  { stop_reason, stop_details }: Pick<Message, 'stop_reason' | 'stop_details'>,
  context: ResponsesOutputContext,
): MessageItem | undefined => {
  if (stop_reason !== 'refusal') return undefined
  const refusal = refusalOf(stop_details?.explanation)
  return { type: 'message', id: context.newId('msg'), status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal }] }
}

/** The item as `response.output_item.added` announces it, before its content streams in. */
export const toAddedItem = (block: ResponseBlock, type: OutputItemType, id: string, context: ResponsesOutputContext): OutputItem => {
  if (type === 'reasoning') return { type, id, summary: [] }
  const item = toOutputItem(block, type, id, context)
  switch (item.type) {
    case 'message':
      return { ...item, status: 'in_progress', content: [] }
    case 'function_call':
      return { ...item, status: 'in_progress', arguments: '' }
    case 'custom_tool_call':
      return { ...item, status: 'in_progress', input: '' }
    case 'web_search_call':
      return { ...item, status: 'in_progress', action: { type: 'search' } }
    default:
      return item
  }
}

export type ResponsesOutput = ResponsesStatus & { output: OutputItem[]; usage: ResponseUsage; unknownStopReason: string | undefined }

/** An Anthropic Message → the output items (in block order, own ids), status and usage of a response. */
export const toResponsesOutput = (message: Message, context: ResponsesOutputContext): ResponsesOutput => {
  const output: OutputItem[] = []
  for (const block of message.content) {
    const type = outputItemTypeOf(block, context)
    if (type) output.push(toOutputItem(block, type, context.newId(ITEM_ID_PREFIX[type]), context))
  }
  const refusal = toRefusalItem(message, context)
  if (refusal) output.push(refusal)
  return { output, ...toResponsesStatus(message.stop_reason), usage: toResponsesUsage(message.usage) }
}

export type ResponseOutcome = {
  status: ResponseStatus
  incomplete_details: IncompleteDetails
  error: ResponseError
  output: OutputItem[]
  usage: ResponseUsage | null
}

/** The response object: the fields known before the answer plus its outcome. */
export const toResponseObject = ({ id, ...skeleton }: ResponseSkeleton, outcome: ResponseOutcome): ResponseObject => ({
  id,
  object: 'response',
  ...skeleton,
  status: outcome.status,
  error: outcome.error,
  incomplete_details: outcome.incomplete_details,
  output: outcome.output,
  usage: outcome.usage,
})
