import type { MessagesRequest } from '../anthropic/request-schema.ts'
import type { Config } from '../config/env-schema.ts'
import { invalidRequest, unsupported } from '../errors/openai-error.ts'
import { type ChatCompletionRequest, IGNORED_FIELDS, KNOWN_REQUEST_FIELDS } from '../openai/request-schema.ts'
import { Adjustments } from './adjustments.ts'
import { assembleAnthropicRequest } from './assemble-anthropic-request.ts'
import { findModelQuirks } from './model-quirks.ts'
import type { MaxTokensOptions } from './resolve-max-tokens.ts'
import { resolveModel } from './resolve-model.ts'
import { toAnthropicTools, usesLegacyFunctions } from './to-anthropic-tools.ts'
import { toAnthropicTurns } from './to-anthropic-turns.ts'

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

/** Chat Completions request → Messages API request, plus everything the answer's mapping needs. */
export const toAnthropicRequest = (request: ChatCompletionRequest, options: RequestMappingOptions): AnthropicRequestPlan => {
  rejectUnsupported(request, options.maxN)
  const { requestedModel, model } = resolveModel(request.model, options)
  const quirks = findModelQuirks(model, options.modelQuirks)
  const adjustments = new Adjustments()

  const { system, turns } = toAnthropicTurns(request.messages, adjustments)
  const stream = request.stream === true
  const { body, jsonTool } = assembleAnthropicRequest(
    {
      model,
      quirks,
      system,
      turns,
      reasoning: request,
      tools: () => toAnthropicTools(request, quirks, adjustments),
      responseFormat: request.response_format,
      sampling: request,
      maxTokens: {
        value: request.max_completion_tokens ?? request.max_tokens,
        field: request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens',
      },
      stopSequences: toStopSequences(request.stop, adjustments),
      user: request.user,
      stream,
      conversationParam: 'messages',
    },
    options,
    adjustments,
  )
  // OpenAI answers 400 here; lenient, but said.
  if (!stream && request.stream_options != null) adjustments.add('stream_options', 'ignored')
  reportIgnoredFields(request, adjustments)

  return {
    body,
    requestedModel,
    stream,
    includeUsage: stream && request.stream_options?.include_usage === true,
    n: request.n ?? 1,
    jsonTool,
    legacyFunctions: usesLegacyFunctions(request),
    adjustments,
  }
}
