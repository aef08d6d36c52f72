import type { Message } from '../anthropic/response-schema.ts'
import type { AnthropicRequestPlan } from '../mapping/to-anthropic-request.ts'
import { toOpenAIResponse } from '../mapping/to-openai-response.ts'
import { parseUpstreamJson, readWholeBody } from '../upstream/read-whole-body.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { upstreamBadResponse } from '../upstream/upstream-error.ts'

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && Array.isArray((value as Message).content) && typeof (value as Message).id === 'string'

/** Reads one whole upstream Message (UPSTREAM_TIMEOUT still applies) and checks its shape. */
export const readUpstreamMessage = async (reply: UpstreamReply, idleTimeoutSeconds: number): Promise<Message> => {
  const message = parseUpstreamJson(reply, await readWholeBody(reply, idleTimeoutSeconds))
  if (!isMessage(message)) throw upstreamBadResponse('JSON that is not a Message')
  return message
}

/** The n Messages of one request → the `chat.completion` object. */
export const toCompletion = (messages: readonly Message[], plan: AnthropicRequestPlan, created: number) =>
  toOpenAIResponse(messages, { requestedModel: plan.requestedModel, created, jsonTool: plan.jsonTool, legacyFunctions: plan.legacyFunctions })
