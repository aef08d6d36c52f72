import { TypeCompiler } from '@sinclair/typebox/compiler'
import { type ContentBlock, type MessageParam, MessagesRequest } from '../anthropic/request-schema.ts'

/**
 * Checks a request the way the Messages API does, so that a mapping bug fails a test with the
 * API's own 400 instead of passing silently. Messages quote the API's wording where it is public.
 */
const schema = TypeCompiler.Compile(MessagesRequest)

/** Rules the API enforces per model family (independent of the gateway's own quirks table on purpose). */
const NO_TEMPERATURE_WITH_TOP_P = /^claude-(opus-4-1|(sonnet|haiku|opus)-4-[56])/
const NO_SAMPLING = /^claude-(opus-4-[78]|(opus|sonnet|haiku)-5)/
const NO_PREFILL = /^claude-((opus|sonnet)-4-6|opus-4-[78]|(opus|sonnet|haiku)-5)/
const NO_BUDGET_THINKING = /^claude-(opus-4-[78]|(opus|sonnet|haiku)-5)/

const blocksOf = (message: MessageParam): ContentBlock[] => (typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content)

const check = (request: MessagesRequest): string | undefined => {
  const { messages } = request
  if (messages[0]?.role !== 'user') return 'messages: first message must use the "user" role'
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as MessageParam
    const blocks = blocksOf(message)
    if (i > 0 && messages[i - 1]?.role === message.role) return `messages.${i}: roles must alternate between "user" and "assistant"`
    const previous = i > 0 ? blocksOf(messages[i - 1] as MessageParam) : []
    const called = new Set(previous.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])))
    if (message.role === 'user') {
      const leading = blocks.findIndex((b) => b.type !== 'tool_result')
      const resultsAfterText = leading >= 0 && blocks.slice(leading).some((b) => b.type === 'tool_result')
      if (resultsAfterText) return `messages.${i}: \`tool_result\` blocks must come before any other content in a user message`
      const answered = new Set(blocks.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])))
      for (const id of answered)
        if (!called.has(id))
          return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`
      const missing = [...called].filter((id) => !answered.has(id))
      if (missing.length > 0)
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
    } else {
      const kinds = blocks.map((b) => b.type)
      const firstOther = kinds.findIndex((k) => k !== 'thinking' && k !== 'redacted_thinking')
      if (firstOther >= 0 && kinds.slice(firstOther).some((k) => k === 'thinking' || k === 'redacted_thinking')) {
        return `messages.${i}.content: thinking blocks must come first in an assistant message`
      }
    }
  }
  if (called(messages).size > 0) {
    return `messages: \`tool_use\` ids were found without \`tool_result\` blocks immediately after. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`
  }
  const last = messages.at(-1) as MessageParam
  if (last.role === 'assistant') {
    if (NO_PREFILL.test(request.model)) return 'This model does not support assistant message prefill. The conversation must end with a user message.'
    const text = blocksOf(last).at(-1)
    if (text?.type === 'text' && text.text !== text.text.trimEnd()) return 'messages: final assistant content cannot end with trailing whitespace'
  }
  if (NO_SAMPLING.test(request.model) && (request.temperature !== undefined || request.top_p !== undefined || request.top_k !== undefined)) {
    return '`temperature`, `top_p` and `top_k` are deprecated for this model.'
  }
  if (NO_TEMPERATURE_WITH_TOP_P.test(request.model) && request.temperature !== undefined && request.top_p !== undefined) {
    return '`temperature` and `top_p` cannot both be specified for this model. Please use only one.'
  }
  return checkThinking(request)
}

/** tool_use blocks of the final assistant message, which no later user message answered. */
const called = (messages: readonly MessageParam[]) => {
  const last = messages.at(-1)
  return new Set(last?.role === 'assistant' ? blocksOf(last).flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : [])
}

const checkThinking = (request: MessagesRequest): string | undefined => {
  const thinking = request.thinking
  if (!thinking || thinking.type === 'disabled') return undefined
  if (thinking.type === 'enabled') {
    if (NO_BUDGET_THINKING.test(request.model)) return '`thinking.type=enabled` is not supported for this model. Use `thinking.type=adaptive` instead.'
    if (thinking.budget_tokens >= request.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`.'
  }
  if (request.temperature !== undefined && request.temperature !== 1) return '`temperature` may only be set to 1 when thinking is enabled.'
  if (request.top_k !== undefined) return '`top_k` must be unset when thinking is enabled.'
  if (request.top_p !== undefined && request.top_p < 0.95) return '`top_p` must be between 0.95 and 1 when thinking is enabled.'
  if (request.tool_choice?.type === 'any' || request.tool_choice?.type === 'tool') {
    return 'Thinking may not be enabled when tool_choice forces tool use.'
  }
  const lastAssistant = request.messages.findLast((m) => m.role === 'assistant')
  const blocks = lastAssistant ? blocksOf(lastAssistant) : []
  if (blocks.some((b) => b.type === 'tool_use') && blocks[0]?.type !== 'thinking' && blocks[0]?.type !== 'redacted_thinking') {
    return 'messages: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.'
  }
  return undefined
}

/** Blocks (and tools) carrying cache_control, the top-level automatic one included. */
const countBreakpoints = (request: MessagesRequest) => {
  let count = request.cache_control ? 1 : 0
  const visit = (block: object) => {
    if ((block as { cache_control?: unknown }).cache_control) count++
    const inner = (block as { content?: unknown }).content
    if (Array.isArray(inner)) for (const nested of inner) visit(nested)
  }
  for (const tool of request.tools ?? []) visit(tool)
  if (Array.isArray(request.system)) for (const block of request.system) visit(block)
  for (const message of request.messages) if (Array.isArray(message.content)) for (const block of message.content) visit(block)
  return count
}

/** undefined when the API would accept the body; else the message of its 400. */
export const findRequestError = (body: unknown): string | undefined => {
  const first = schema.Errors(body).First()
  if (first) {
    const where = first.path.slice(1).replaceAll('/', '.') || 'body'
    return first.type === 42 ? `${where}: Extra inputs are not permitted` : `${where}: ${first.message}`
  }
  const breakpoints = countBreakpoints(body as MessagesRequest)
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`
  return check(body as MessagesRequest)
}
