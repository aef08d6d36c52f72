import { createHash } from 'node:crypto'
import type { MessagesRequest, TextBlock, ToolChoiceParam } from '../anthropic/request-schema.ts'
import { invalidRequest } from '../errors/openai-error.ts'
import type { ChatCompletionRequest, ResponseFormat } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'
import { type MaxTokensOptions, resolveMaxTokens } from './resolve-max-tokens.ts'
import { toAnthropicResponseFormat } from './to-anthropic-response-format.ts'
import { toAnthropicSampling } from './to-anthropic-sampling.ts'
import { fitThinkingBudget, toAnthropicThinking, withEffort } from './to-anthropic-thinking.ts'
import type { AnthropicTools } from './to-anthropic-tools.ts'
import type { Turn } from './to-anthropic-turns.ts'

/** What both OpenAI APIs say in their own words, already mapped where the two differ. */
export type RequestParts = {
  model: string
  quirks: ModelQuirks
  system: TextBlock[]
  turns: Turn[]
  reasoning: Pick<ChatCompletionRequest, 'thinking' | 'reasoning_effort'>
  /** Called after the reasoning is mapped, so adjustments keep the order of the request's fields. */
  tools: () => AnthropicTools
  responseFormat: ResponseFormat | null | undefined
  sampling: Pick<ChatCompletionRequest, 'temperature' | 'top_p' | 'top_k'>
  /** The requested output limit and the client's name for it. */
  maxTokens: { value: number | null | undefined; field: string }
  stopSequences?: string[]
  user: string | null | undefined
  stream: boolean
  /** The client's name for its conversation, in the error for an empty one. */
  conversationParam: string
}

/** E-mail addresses, phone numbers and long values are sent as a hash: the API wants an opaque id. */
const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/
const toUserId = (user: string, adjustments: Adjustments) => {
  if (!user.includes('@') && !PHONE_LIKE.test(user) && user.length <= 256) return user
  adjustments.add('user', 'hashed')
  return createHash('sha256').update(user).digest('hex')
}

const isForced = (choice: ToolChoiceParam | undefined) => choice?.type === 'any' || choice?.type === 'tool'

/** The API requires a thinking block to open the last assistant turn of a tool loop while thinking. */
const lastToolTurnLacksThinking = (turns: readonly Turn[]) => {
  const last = turns.findLast((turn) => turn.role === 'assistant')
  return (
    last?.content.some((block) => block.type === 'tool_use') && !last.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')
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

/**
 * The rules both OpenAI APIs share once their own fields are mapped: thinking against forced tools
 * and unsigned history, structured output, prefill, max_tokens, sampling, user.
 */
export const assembleAnthropicRequest = (parts: RequestParts, options: MaxTokensOptions, adjustments: Adjustments) => {
  const { model, quirks, system, turns } = parts
  let { thinking, effort } = toAnthropicThinking(parts.reasoning, quirks, adjustments)
  const tools = parts.tools()
  const disableThinking = (why: 'disabled' | 'disabled_unsigned_history') => {
    thinking = undefined
    effort = undefined
    adjustments.add('thinking', why)
  }
  if (thinking && isForced(tools.tool_choice)) disableThinking('disabled')
  if (thinking && lastToolTurnLacksThinking(turns)) disableThinking('disabled_unsigned_history')
  const format = toAnthropicResponseFormat(parts.responseFormat, { quirks, thinking: !!thinking, tools }, adjustments)

  settleTrailingAssistant(turns, quirks.prefill && !thinking, adjustments)
  if (turns[0]?.role === 'assistant') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: '.' }] })
    adjustments.add(parts.conversationParam, 'added')
  }
  if (turns.length === 0) {
    throw invalidRequest(`${parts.conversationParam} must contain at least one user or assistant message with content`, parts.conversationParam)
  }

  const maxTokens = resolveMaxTokens(
    {
      model,
      maxOutputTokens: quirks.maxOutputTokens,
      maxTokens: parts.maxTokens.value,
      field: parts.maxTokens.field,
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
  Object.assign(body, toAnthropicSampling(parts.sampling, { quirks, thinking: !!thinking }, adjustments))
  if (parts.stopSequences) body.stop_sequences = parts.stopSequences
  if (parts.user) body.metadata = { user_id: toUserId(parts.user, adjustments) }
  if (format.tools) body.tools = format.tools
  if (format.tool_choice) body.tool_choice = format.tool_choice
  if (thinking) body.thinking = thinking
  const outputConfig = withEffort(effort, format.outputFormat ? { format: format.outputFormat } : undefined)
  if (outputConfig) body.output_config = outputConfig
  if (parts.stream) body.stream = true
  return { body, jsonTool: format.jsonTool }
}
