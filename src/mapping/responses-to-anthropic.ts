import type { MessagesRequest, TextBlock } from '../anthropic/request-schema.ts'
import { unsupported } from '../errors/openai-error.ts'
import type { ReasoningEffort, ResponseFormat } from '../openai/request-schema.ts'
import {
  IGNORED_RESPONSES_FIELDS,
  KNOWN_RESPONSES_FIELDS,
  type ResolvedInputItem,
  type ResponsesRequest,
  type TextFormat,
} from '../openai/responses-request-schema.ts'
import { Adjustments } from './adjustments.ts'
import { assembleAnthropicRequest } from './assemble-anthropic-request.ts'
import { findModelQuirks } from './model-quirks.ts'
import { resolveModel } from './resolve-model.ts'
import { toPendingTurns } from './responses-input.ts'
import { toResponsesTools } from './responses-tools.ts'
import type { RequestMappingOptions } from './to-anthropic-request.ts'
import { JSON_TOOL_NAME } from './to-anthropic-response-format.ts'
import { type PendingTurn, settleTurns, type Turn } from './to-anthropic-turns.ts'
import type { ClientTool } from './to-responses-output.ts'

/** What a stored response keeps to be continued: the conversation as the upstream saw it. */
export type ConversationHistory = { system: TextBlock[]; messages: Turn[] }

export type ResponsesRequestPlan = {
  body: MessagesRequest
  /** The name the client sent (or DEFAULT_MODEL). */
  requestedModel: string
  stream: boolean
  store: boolean
  adjustments: Adjustments
  /** For the answer's items (to-responses-output.ts). */
  toolNames: Map<string, ClientTool>
  jsonTool: string | undefined
  includeEncryptedReasoning: boolean
  summary: boolean
  /** The conversation's own system blocks (input items and history, not `instructions`), kept for a continuation. */
  conversationSystem: TextBlock[]
}

const ENCRYPTED_REASONING = 'reasoning.encrypted_content'

const rejectUnsupported = (request: ResponsesRequest) => {
  if (request.background === true) throw unsupported('background responses are not supported by this gateway; leave background unset', 'background')
  if (request.conversation != null) throw unsupported('conversations are not stored by this gateway; use previous_response_id', 'conversation')
  if (request.prompt != null) throw unsupported('stored prompts are not available through this gateway; send instructions and input', 'prompt')
  if (typeof request.top_logprobs === 'number' && request.top_logprobs > 0) throw unsupported('logprobs are not supported by the upstream', 'top_logprobs')
}

/** `max` is the SDK's name for the top effort, which chat completions calls `xhigh`. */
const toReasoningEffort = (effort: string | null | undefined) => (effort === 'max' ? 'xhigh' : effort) as ReasoningEffort | null | undefined

/** Responses' flat `text.format` → the chat completions `response_format` the shared rule takes. */
const toResponseFormat = (format: TextFormat | undefined): ResponseFormat | undefined => {
  if (format?.type === 'json_schema') {
    const { name, description, schema, strict } = format as Extract<TextFormat, { type: 'json_schema' }>
    return { type: 'json_schema', json_schema: { name, description, schema, strict } }
  }
  return format?.type === 'json_object' ? { type: 'json_object' } : undefined
}

const reportIgnoredFields = (request: ResponsesRequest, adjustments: Adjustments) => {
  for (const field of IGNORED_RESPONSES_FIELDS) if (request[field] != null) adjustments.add(field, 'ignored')
  if (request.truncation === 'auto') adjustments.add('truncation', 'ignored')
  if (request.text?.verbosity != null) adjustments.add('text.verbosity', 'ignored')
  if (request.include?.some((entry) => entry !== ENCRYPTED_REASONING)) adjustments.add('include', 'ignored')
  for (const field in request) if (!KNOWN_RESPONSES_FIELDS.has(field)) adjustments.add(field, 'ignored')
}

/**
 * A Responses create request → the Messages API request, through the building blocks chat
 * completions uses. `items` are the request's input with every reference already resolved and
 * `history` the stored conversation of `previous_response_id` (both by the route: this stays pure).
 */
export const responsesToAnthropic = (
  request: ResponsesRequest,
  { items, history }: { items: readonly ResolvedInputItem[]; history: ConversationHistory | undefined },
  options: RequestMappingOptions,
): ResponsesRequestPlan => {
  rejectUnsupported(request)
  const { requestedModel, model } = resolveModel(request.model, options)
  const quirks = findModelQuirks(model, options.modelQuirks)
  const adjustments = new Adjustments()

  const input = toPendingTurns(items, adjustments)
  const earlier: PendingTurn[] = history?.messages.map((turn) => ({ role: turn.role, blocks: [...turn.content] })) ?? []
  const turns = settleTurns([...earlier, ...input.pending], adjustments, 'input')
  const conversationSystem = [...(history?.system ?? []), ...input.system]
  const instructions: TextBlock[] = request.instructions ? [{ type: 'text', text: request.instructions }] : []
  const tools = toResponsesTools(request, quirks, adjustments)
  const stream = request.stream === true

  const { body, jsonTool } = assembleAnthropicRequest(
    {
      model,
      quirks,
      system: [...instructions, ...conversationSystem],
      turns,
      reasoning: { reasoning_effort: toReasoningEffort(request.reasoning?.effort) },
      tools: () => tools,
      responseFormat: toResponseFormat(request.text?.format),
      sampling: { temperature: request.temperature, top_p: request.top_p },
      maxTokens: { value: request.max_output_tokens, field: 'max_output_tokens' },
      user: request.safety_identifier ?? request.user,
      stream,
      conversationParam: 'input',
    },
    options,
    adjustments,
  )
  reportIgnoredFields(request, adjustments)

  const summary = request.reasoning?.summary ?? request.reasoning?.generate_summary
  return {
    body,
    requestedModel,
    stream,
    store: request.store !== false,
    adjustments,
    toolNames: tools.toolNames,
    jsonTool: jsonTool ? JSON_TOOL_NAME : undefined,
    includeEncryptedReasoning: request.include?.includes(ENCRYPTED_REASONING) === true,
    summary: summary != null && summary !== 'none',
    conversationSystem,
  }
}
