import type { ContentBlock, MessageParam } from '../anthropic/request-schema.ts'
import type { NativeMessagesRequest } from '../anthropic/native-request-schema.ts'
import { Adjustments } from './adjustments.ts'
import type { RequestMappingOptions } from './to-anthropic-request.ts'
import { resolveMaxTokens } from './resolve-max-tokens.ts'
import { resolveModel } from './resolve-model.ts'
import { fitThinkingBudget } from './to-anthropic-thinking.ts'
import type { Turn } from './to-anthropic-turns.ts'

export type NativeRequestPlan = { body: Record<string, unknown>; requestedModel: string; stream: boolean; adjustments: Adjustments }

const asTurns = (messages: readonly unknown[]): Turn[] =>
  (messages as MessageParam[]).map((message) => ({
    role: message.role,
    content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content ?? []),
  }))

const systemTexts = (system: unknown): string[] =>
  typeof system === 'string' ? [system] : Array.isArray(system) ? (system as ContentBlock[]).flatMap((b) => (b.type === 'text' ? [b.text] : [])) : []

/**
 * An Anthropic-native request on its way upstream: the same model aliases and max_tokens rules as
 * chat completions; every other field as the client sent it.
 */
export const toUpstreamNativeRequest = (
  request: NativeMessagesRequest,
  { countTokens }: { countTokens: boolean },
  options: RequestMappingOptions,
): NativeRequestPlan => {
  const { requestedModel, model } = resolveModel(request.model, options)
  const adjustments = new Adjustments()
  const body: Record<string, unknown> = { ...request, model }
  if (countTokens) return { body, requestedModel, stream: false, adjustments }

  const maxTokens = resolveMaxTokens(
    {
      model,
      maxTokens: request.max_tokens,
      thinkingBudget: 0,
      prompt: () => ({ system: systemTexts(request.system), turns: asTurns(request.messages), tools: (request.tools as never[]) ?? [] }),
    },
    options,
    adjustments,
  )
  body.max_tokens = maxTokens
  const thinking = fitThinkingBudget(request.thinking as { type?: unknown; budget_tokens?: unknown } | undefined, maxTokens, adjustments)
  if (thinking === undefined) delete body.thinking
  else body.thinking = thinking
  return { body, requestedModel, stream: request.stream === true, adjustments }
}
