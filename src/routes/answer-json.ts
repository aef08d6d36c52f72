import type { Message } from '../anthropic/response-schema.ts'
import type { AnthropicRequestPlan } from '../mapping/to-anthropic-request.ts'
import { toOpenAIResponse } from '../mapping/to-openai-response.ts'
import type { UpstreamReply } from '../upstream/upstream-client.ts'
import { watchSilence } from '../upstream/silence-watch.ts'
import { upstreamBadResponse } from '../upstream/upstream-error.ts'

const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && Array.isArray((value as Message).content) && typeof (value as Message).id === 'string'

/** Reads one whole upstream Message (UPSTREAM_TIMEOUT still applies) and checks its shape. */
export const readUpstreamMessage = async (reply: UpstreamReply, idleTimeoutSeconds: number): Promise<Message> => {
  // One read for the whole body, so the silence is measured from its headers to its end.
  const silence = watchSilence(reply, idleTimeoutSeconds)
  let text: string
  try {
    text = await reply.response.text()
  } catch (error) {
    throw silence.faultOf(error)
  } finally {
    silence.stop()
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
  toOpenAIResponse(messages, { requestedModel: plan.requestedModel, created, jsonTool: plan.jsonTool, legacyFunctions: plan.legacyFunctions })
