import type { Message } from '../anthropic/response-schema.ts'
import { OpenAIError } from '../errors/openai-error.ts'
import type { AnthropicRequestPlan } from '../mapping/to-anthropic-request.ts'
import { toOpenAIResponse } from '../mapping/to-openai-response.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { streamIncomplete, upstreamBadResponse, upstreamTimeout } from '../upstream/upstream-error.ts'

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && Array.isArray((value as Message).content) && typeof (value as Message).id === 'string'

/** Reads one whole upstream Message (UPSTREAM_TIMEOUT still applies) and checks its shape. */
export const readUpstreamMessage = async (reply: UpstreamReply, idleTimeoutSeconds: number): Promise<Message> => {
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    reply.abort(upstreamTimeout(idleTimeoutSeconds))
  }, idleTimeoutSeconds * 1000)
  let text: string
  try {
    text = await reply.response.text()
  } catch (error) {
    if (timedOut) throw upstreamTimeout(idleTimeoutSeconds)
    // A client that hung up aborted the body with clientClosed(): logged as 499, not a fault.
    throw error instanceof OpenAIError ? error : streamIncomplete()
  } finally {
    clearTimeout(timer)
  }
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    throw upstreamBadResponse(`a ${reply.response.headers.get('content-type') ?? 'untyped'} body that is not JSON`)
  }
  if (!isMessage(message)) throw upstreamBadResponse('JSON that is not a Message')
  return message
}

/** The n Messages of one request → the `chat.completion` object. */
export const toCompletion = (messages: readonly Message[], plan: AnthropicRequestPlan, created: number) =>
  toOpenAIResponse(messages, { requestedModel: plan.requestedModel, created, jsonTool: plan.jsonTool })
