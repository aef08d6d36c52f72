import type { Message } from '../anthropic/response-schema.ts'
import type { ChatCompletion, ResponseMessage, ResponseThinkingBlock, ResponseToolCall } from '../openai/response-schema.ts'
import { JSON_TOOL_NAME } from './to-anthropic-response-format.ts'
import { refusalOf, toOpenAIFinishReason } from './to-openai-finish-reason.ts'
import { sumUsage, toOpenAIUsage } from './to-openai-usage.ts'
import { moreThanOneFunctionCall, upstreamString, upstreamToolInput } from './upstream-fields.ts'

export type ChoiceContext = { jsonTool: boolean; legacyFunctions: boolean }
export type ResponseContext = ChoiceContext & { requestedModel: string; created: number }

/** One Anthropic Message → the message and finish reason of one choice. */
export const toOpenAIChoice = (message: Message, { jsonTool, legacyFunctions }: ChoiceContext) => {
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
        appendContent(upstreamString(block, 'text'))
        break
      case 'tool_use': {
        const name = upstreamString(block, 'name')
        const input = JSON.stringify(upstreamToolInput(block))
        // The JSON-mode tool is the answer itself, never a tool call.
        if (jsonTool && name === JSON_TOOL_NAME) appendContent(input)
        else toolCalls.push({ id: upstreamString(block, 'id'), type: 'function', function: { name, arguments: input } })
        break
      }
      case 'thinking': {
        const thinking = upstreamString(block, 'thinking')
        reasoning = (reasoning ?? '') + thinking
        thinkingBlocks.push({ type: 'thinking', thinking, signature: upstreamString(block, 'signature') })
        break
      }
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: upstreamString(block, 'data') })
        break
      default:
        // Server tool blocks and citations run upstream; the client has nothing to call.
        break
    }
  }
  const finishReason = toOpenAIFinishReason({ stopReason: message.stop_reason, clientToolCalled: toolCalls.length > 0, legacyFunctions })
  const result: ResponseMessage = {
    role: 'assistant',
    content,
    refusal: finishReason === 'content_filter' ? refusalOf(message.stop_details?.explanation) : null,
  }
  if (legacyFunctions && toolCalls.length > 0) result.function_call = onlyFunctionCall(toolCalls)
  else if (toolCalls.length > 0) result.tool_calls = toolCalls
  if (reasoning !== undefined) result.reasoning_content = reasoning
  if (thinkingBlocks.length > 0) result.thinking_blocks = thinkingBlocks
  return { message: result, finishReason }
}

/** The legacy shape holds one call; the request held the model to one (disable_parallel_tool_use). */
const onlyFunctionCall = (toolCalls: readonly ResponseToolCall[]) => {
  if (toolCalls.length > 1) throw moreThanOneFunctionCall(toolCalls.length)
  return (toolCalls[0] as ResponseToolCall).function
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
