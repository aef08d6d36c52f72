import { createHash } from 'node:crypto'
import type { MessagesRequest, ToolChoiceParam } from '../anthropic/request-schema.ts'
import type { Config } from '../config/env-schema.ts'
import { invalidRequest, unsupported } from '../errors/openai-error.ts'
import { type ChatCompletionRequest, IGNORED_FIELDS, KNOWN_REQUEST_FIELDS } from '../openai/request-schema.ts'
import { Adjustments } from './adjustments.ts'
import { findModelQuirks } from './model-quirks.ts'
import { type MaxTokensOptions, resolveMaxTokens } from './resolve-max-tokens.ts'
import { resolveModel } from './resolve-model.ts'
import { toAnthropicResponseFormat } from './to-anthropic-response-format.ts'
import { toAnthropicSampling } from './to-anthropic-sampling.ts'
import { fitThinkingBudget, toAnthropicThinking, withEffort } from './to-anthropic-thinking.ts'
import { toAnthropicTools, usesLegacyFunctions } from './to-anthropic-tools.ts'
import { type Turn, toAnthropicTurns } from './to-anthropic-turns.ts'

/** The configuration the request mapping reads, taken from Config once at start-up. */
export type RequestMappingOptions = MaxTokensOptions & Pick<Config, 'modelAliases' | 'defaultModel' | 'maxN' | 'modelQuirks'>

export type AnthropicRequestPlan = {
  body: MessagesRequest
  /** The name the client sent (or DEFAULT_MODEL): answers carry it, so aliasing stays invisible. */
  requestedModel: string
  stream: boolean
  includeUsage: boolean
  n: number
  /** The answer is the input of the JSON tool, to be moved into `content`. */
  jsonTool: boolean
  /** The request declared legacy `functions` only: a call is answered as `function_call`. */
  legacyFunctions: boolean
  adjustments: Adjustments
}

/** E-mail addresses, phone numbers and long values are sent as a hash: the API wants an opaque id. */
const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/
const toUserId = (user: string, adjustments: Adjustments) => {
  if (!user.includes('@') && !PHONE_LIKE.test(user) && user.length <= 256) return user
  adjustments.add('user', 'hashed')
  return createHash('sha256').update(user).digest('hex')
}

const toStopSequences = (stop: ChatCompletionRequest['stop'], adjustments: Adjustments) => {
  if (stop == null) return undefined
  const all = typeof stop === 'string' ? [stop] : stop
  // The API rejects stop sequences made only of whitespace.
  const kept = all.filter((sequence) => sequence.trim() !== '')
  if (kept.length < all.length) adjustments.add('stop', 'dropped')
  return kept.length > 0 ? kept : undefined
}

const rejectUnsupported = (request: ChatCompletionRequest, maxN: number) => {
  if (request.logprobs === true) throw unsupported('logprobs are not supported by the upstream', 'logprobs')
  if (request.top_logprobs != null && request.top_logprobs > 0) {
    throw unsupported('top_logprobs is not supported by the upstream', 'top_logprobs')
  }
  if (request.modalities?.includes('audio') || request.audio != null) {
    throw unsupported('audio output is not supported by the upstream', request.audio != null ? 'audio' : 'modalities')
  }
  if ((request.n ?? 1) > maxN) throw invalidRequest(`n must be at most ${maxN}`, 'n')
}

const reportIgnoredFields = (request: ChatCompletionRequest, adjustments: Adjustments) => {
  for (const field of IGNORED_FIELDS) if (request[field] != null) adjustments.add(field, 'ignored')
  for (const field in request) if (!KNOWN_REQUEST_FIELDS.has(field)) adjustments.add(field, 'ignored')
}

const isForced = (choice: ToolChoiceParam | undefined) => choice?.type === 'any' || choice?.type === 'tool'

/** The API requires a thinking block to open the last assistant turn of a tool loop while thinking. */
const lastToolTurnLacksThinking = (turns: readonly Turn[]) => {
  const last = turns.findLast((turn) => turn.role === 'assistant')
  return (
    last !== undefined &&
    last.content.some((block) => block.type === 'tool_use') &&
    !last.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')
  )
}

/** Final assistant turn: kept as a prefill where the model allows it, else removed; trailing space trimmed. */
const settleTrailingAssistant = (turns: Turn[], prefillAllowed: boolean, adjustments: Adjustments) => {
  const last = turns.at(-1)
  if (last?.role !== 'assistant') return
  if (!prefillAllowed) {
    turns.pop()
    adjustments.add('prefill', 'removed')
    return
  }
  const block = last.content.at(-1)
  if (block?.type !== 'text') return
  const trimmed = block.text.trimEnd()
  if (trimmed === block.text) return
  adjustments.add('prefill', 'trimmed')
  if (trimmed !== '') block.text = trimmed
  else last.content.pop()
  if (last.content.length === 0) turns.pop()
}

/** Chat Completions request → Messages API request, plus everything the answer's mapping needs. */
export const toAnthropicRequest = (request: ChatCompletionRequest, options: RequestMappingOptions): AnthropicRequestPlan => {
  rejectUnsupported(request, options.maxN)
  const { requestedModel, model } = resolveModel(request.model, options)
  const quirks = findModelQuirks(model, options.modelQuirks)
  const adjustments = new Adjustments()

  const { system, turns } = toAnthropicTurns(request.messages, adjustments)
  let { thinking, effort } = toAnthropicThinking(request, quirks, adjustments)
  const tools = toAnthropicTools(request, quirks, adjustments)
  const disableThinking = (why: 'disabled' | 'disabled_unsigned_history') => {
    thinking = undefined
    effort = undefined
    adjustments.add('thinking', why)
  }
  if (thinking && isForced(tools.tool_choice)) disableThinking('disabled')
  if (thinking && lastToolTurnLacksThinking(turns)) disableThinking('disabled_unsigned_history')
  const format = toAnthropicResponseFormat(request.response_format, { quirks, thinking: !!thinking, tools }, adjustments)

  settleTrailingAssistant(turns, quirks.prefill && !thinking, adjustments)
  if (turns[0]?.role === 'assistant') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: '.' }] })
    adjustments.add('messages', 'added')
  }
  if (turns.length === 0) throw invalidRequest('messages must contain at least one user or assistant message with content', 'messages')

  const maxTokens = resolveMaxTokens(
    {
      model,
      maxOutputTokens: quirks.maxOutputTokens,
      maxCompletionTokens: request.max_completion_tokens,
      maxTokens: request.max_tokens,
      // A client's own thinking object may lack a budget; the API will say so, max_tokens stays a number.
      thinkingBudget: thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0,
      prompt: () => ({ system: system.map((block) => block.text), turns, tools: format.tools ?? [] }),
    },
    options,
    adjustments,
  )
  thinking = fitThinkingBudget(thinking, maxTokens, adjustments)
  if (!thinking) effort = undefined

  const body: MessagesRequest = { model, max_tokens: maxTokens, messages: turns }
  if (system.length > 0) body.system = system
  Object.assign(body, toAnthropicSampling(request, { quirks, thinking: !!thinking }, adjustments))
  const stopSequences = toStopSequences(request.stop, adjustments)
  if (stopSequences) body.stop_sequences = stopSequences
  if (request.user) body.metadata = { user_id: toUserId(request.user, adjustments) }
  if (format.tools) body.tools = format.tools
  if (format.tool_choice) body.tool_choice = format.tool_choice
  if (thinking) body.thinking = thinking
  const outputConfig = withEffort(effort, format.outputFormat ? { format: format.outputFormat } : undefined)
  if (outputConfig) body.output_config = outputConfig
  const stream = request.stream === true
  if (stream) body.stream = true
  // OpenAI answers 400 here; lenient, but said.
  else if (request.stream_options != null) adjustments.add('stream_options', 'ignored')
  reportIgnoredFields(request, adjustments)

  return {
    body,
    requestedModel,
    stream,
    includeUsage: stream && request.stream_options?.include_usage === true,
    n: request.n ?? 1,
    jsonTool: format.jsonTool,
    legacyFunctions: usesLegacyFunctions(request),
    adjustments,
  }
}
