import type { NativeMessagesRequest } from '../anthropic/native-request-schema.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import { Adjustments } from './adjustments.ts'
import { promptOfBody } from './estimate-prompt-tokens.ts'
import { findModelQuirks } from './model-quirks.ts'
import { resolveMaxTokens } from './resolve-max-tokens.ts'
import { resolveModel } from './resolve-model.ts'
import type { RequestMappingOptions } from './to-anthropic-request.ts'
import { fitThinkingBudget } from './to-anthropic-thinking.ts'

export type NativeRequestPlan = { body: Record<string, unknown>; requestedModel: string; stream: boolean; adjustments: Adjustments }

const unestimable = () =>
  new OpenAIError({
    status: 400,
    type: 'invalid_request_error',
    code: 'invalid_value',
    param: 'messages',
    message: 'messages, system or tools are not in the Messages API shape, so the prompt cannot be measured against the context window',
  })

/**
 * The max_tokens rules on a native body, which is validated only as far as the gateway reads it:
 * under MAX_TOKENS_DYNAMIC the prompt estimate walks system, messages and tools, and a shape it
 * cannot walk (or that gives no number) is the client's 400, as the API would answer it.
 */
const resolveNativeMaxTokens = (request: NativeMessagesRequest, model: string, options: RequestMappingOptions, adjustments: Adjustments) => {
  let maxTokens: number
  try {
    maxTokens = resolveMaxTokens(
      {
        model,
        maxOutputTokens: findModelQuirks(model, options.modelQuirks).maxOutputTokens,
        maxTokens: request.max_tokens,
        thinkingBudget: 0,
        prompt: () => promptOfBody(request),
      },
      options,
      adjustments,
    )
  } catch (error) {
    throw error instanceof OpenAIError ? error : unestimable()
  }
  if (!Number.isFinite(maxTokens)) throw unestimable()
  return maxTokens
}

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

  const maxTokens = resolveNativeMaxTokens(request, model, options, adjustments)
  body.max_tokens = maxTokens
  const thinking = fitThinkingBudget(request.thinking as { type?: unknown; budget_tokens?: unknown } | undefined, maxTokens, adjustments)
  if (thinking === undefined) delete body.thinking
  else body.thinking = thinking
  return { body, requestedModel, stream: request.stream === true, adjustments }
}
