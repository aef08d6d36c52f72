import type { Message } from '../anthropic/response-schema.ts'
import type { ChatCompletion, ResponseMessage, ResponseThinkingBlock, ResponseToolCall } from '../openai/response-schema.ts'
import { REFUSAL_FALLBACK, toOpenAIFinishReason } from './to-openai-finish-reason.ts'
import { JSON_TOOL_NAME } from './to-anthropic-response-format.ts'
import { sumUsage, toOpenAIUsage } from './to-openai-usage.ts'

export type ResponseContext = { requestedModel: string; created: number; jsonTool: boolean }

/** One Anthropic Message → the message and finish reason of one choice. */
export const toOpenAIChoice = (message: Message, { jsonTool }: { jsonTool: boolean }) => {
  let content: string | null = null
  let reasoning: string | undefined
  const toolCalls: ResponseToolCall[] = []
  const thinkingBlocks: ResponseThinkingBlock[] = []
  const appendContent = (text: string) => {
    content = content === null ? text : content + text
  }
  for (const block of message.content) {
    switch (block.type) {
      case 'text':
        appendContent(block.text)
        break
      case 'tool_use':
        // The JSON-mode tool is the answer itself, never a tool call.
        if (jsonTool && block.name === JSON_TOOL_NAME) appendContent(JSON.stringify(block.input))
        else toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } })
        break
      case 'thinking':
        reasoning = (reasoning ?? '') + block.thinking
        thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, signature: block.signature })
        break
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: block.data })
        break
      default:
        // Server tool blocks and citations run upstream; the client has nothing to call.
        break
    }
  }
  const finishReason = toOpenAIFinishReason({ stopReason: message.stop_reason, clientToolCalled: toolCalls.length > 0 })
  const result: ResponseMessage = {
    role: 'assistant',
    content,
    refusal: finishReason === 'content_filter' ? (message.stop_details?.explanation ?? REFUSAL_FALLBACK) : null,
  }
  if (toolCalls.length > 0) result.tool_calls = toolCalls
  if (reasoning !== undefined) result.reasoning_content = reasoning
  if (thinkingBlocks.length > 0) result.thinking_blocks = thinkingBlocks
  return { message: result, finishReason }
}

/** A Message (or the n Messages of one request) → `chat.completion`. */
export const toOpenAIResponse = (messages: readonly Message[], context: ResponseContext): ChatCompletion => {
  const first = messages[0] as Message
  const usages = messages.map((message) => toOpenAIUsage(message.usage))
  return {
    id: `chatcmpl-${first.id}`,
    object: 'chat.completion',
    created: context.created,
    model: context.requestedModel,
    system_fingerprint: null,
    choices: messages.map((message, index) => {
      const { message: choiceMessage, finishReason } = toOpenAIChoice(message, context)
      return { index, message: choiceMessage, logprobs: null, finish_reason: finishReason }
    }),
    usage: sumUsage(usages),
  }
}
