import type { ContentBlock } from '../anthropic/request-schema.ts'
import type { Message } from '../anthropic/response-schema.ts'
import type { ResponseIdPrefix } from '../openai/response-ids.ts'
import type { ResolvedInputItem } from '../openai/responses-request-schema.ts'
import type { OutputItem, ResponseObject } from '../openai/responses-schema.ts'
import type { StoredItem, StoredResponse } from '../store/response-store.ts'
import { toEncryptedReasoning } from './reasoning-payload.ts'
import type { ConversationHistory, ResponsesRequestPlan } from './responses-to-anthropic.ts'

/** An input item as stored and listed by input_items: with an id of its own. */
export type InputItemWithId = ResolvedInputItem & { id: string }

/** `data` of a stored response record (JSON; written and read only by the Responses routes). */
export type StoredResponseData = {
  response: ResponseObject
  /** The conversation as the upstream saw it, answer included: a continuation starts from it. */
  history: ConversationHistory
  input: InputItemWithId[]
}

const INPUT_ID_PREFIX: Readonly<Record<string, ResponseIdPrefix>> = {
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
}

/** Input items keep the id a client gave them; the others get one, as OpenAI lists them. */
export const withItemIds = (items: readonly ResolvedInputItem[], newId: (prefix: ResponseIdPrefix) => string): InputItemWithId[] =>
  items.map((item) => {
    const id = (item as { id?: unknown }).id
    return typeof id === 'string' && id !== '' ? (item as InputItemWithId) : { ...item, id: newId(INPUT_ID_PREFIX[item.type ?? 'message'] ?? 'msg') }
  })

/** The structured-output tool is an answer, not a call: kept as the text the client got. */
const toHistoryBlocks = (content: Message['content'], jsonTool: string | undefined): ContentBlock[] =>
  content.map((block) =>
    block.type === 'tool_use' && block.name === jsonTool ? { type: 'text', text: JSON.stringify(block.input ?? {}) } : (block as ContentBlock),
  )

/**
 * Stored output items always carry the reasoning payload (an `item_reference` to a reasoning item
 * must bring its signed block back), whatever the client's `include` asked for its own copy.
 */
const withReasoningPayloads = (output: readonly OutputItem[], message: Message): OutputItem[] => {
  const blocks = message.content.filter((block) => block.type === 'thinking' || block.type === 'redacted_thinking')
  let next = 0
  return output.map((item) => {
    if (item.type !== 'reasoning') return item
    const block = blocks[next++]
    return block ? { ...item, encrypted_content: toEncryptedReasoning(block) } : item
  })
}

/** Everything a later request needs from this one, scoped to the client key, expiring after the TTL. */
export const toStoredResponse = ({
  response,
  message,
  plan,
  input,
  keyId,
  ttlSeconds,
}: {
  response: ResponseObject
  message: Message
  plan: ResponsesRequestPlan
  input: InputItemWithId[]
  keyId: string
  ttlSeconds: number
}): StoredResponse => {
  const output = withReasoningPayloads(response.output, message)
  const history: ConversationHistory = {
    system: plan.conversationSystem,
    messages: [...plan.body.messages, { role: 'assistant', content: toHistoryBlocks(message.content, plan.jsonTool) }],
  } as ConversationHistory
  const data: StoredResponseData = { response, history, input }
  const items: StoredItem[] = [...input, ...output].flatMap((item) => (typeof item.id === 'string' ? [{ id: item.id, item }] : []))
  return { id: response.id, keyId, createdAt: response.created_at, expiresAt: response.created_at + ttlSeconds, data, items }
}
