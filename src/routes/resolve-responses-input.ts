import { invalidRequest, OpenAIError } from '../errors/openai-error.ts'
import type { ConversationHistory } from '../mapping/responses-to-anthropic.ts'
import type { StoredResponseData } from '../mapping/to-stored-response.ts'
import type { InputItem, ResolvedInputItem, ResponsesRequest } from '../openai/responses-request-schema.ts'
import { type ResponseStore, StoreUnavailableError } from '../store/response-store.ts'

/** A store that cannot answer is a clear 503, never a continuation silently dropped. */
export const storeUnavailable = (error: unknown): OpenAIError =>
  error instanceof StoreUnavailableError
    ? new OpenAIError({
        status: 503,
        type: 'server_error',
        code: 'store_unavailable',
        message: 'The response store is unavailable; retry the request',
      })
    : (error as OpenAIError)

/** Runs a store call; a back-end failure becomes the 503. */
export const fromStore = async <T>(call: Promise<T>): Promise<T> => {
  try {
    return await call
  } catch (error) {
    throw storeUnavailable(error)
  }
}

const previousNotFound = (id: string) => invalidRequest(`Previous response with id '${id}' not found.`, 'previous_response_id', 'previous_response_not_found')

const isReference = (item: InputItem): item is Extract<InputItem, { id: string; type?: 'item_reference' | null }> =>
  (item.type === 'item_reference' || item.type == null) && !('role' in item)

/** A reasoning item sent back by id alone (store:true clients): its signed payload is in the store. */
const isBareReasoning = (item: InputItem) => item.type === 'reasoning' && !item.encrypted_content && typeof item.id === 'string'

export type ResolvedInput = { items: ResolvedInputItem[]; history: ConversationHistory | undefined }

/**
 * What the pure mapping needs from the store, read before it runs: the conversation of
 * `previous_response_id`, and each `item_reference` replaced by the stored item it names. Another
 * key's responses and items answer as absent.
 */
export const resolveResponsesInput = async (request: ResponsesRequest, store: ResponseStore, keyId: string): Promise<ResolvedInput> => {
  let history: ConversationHistory | undefined
  if (request.previous_response_id) {
    const previous = await fromStore(store.get(request.previous_response_id, keyId))
    if (!previous) throw previousNotFound(request.previous_response_id)
    history = (previous.data as StoredResponseData).history
  }
  const input = request.input ?? []
  const sent: InputItem[] = typeof input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }] : input
  const storedOnes = (item: InputItem) => isReference(item) || isBareReasoning(item)
  // Most requests (Codex's every one) name no stored item: no store call, no promise per item.
  if (!sent.some(storedOnes)) return { items: sent as ResolvedInputItem[], history }
  const items = await Promise.all(
    sent.map(async (item, i): Promise<ResolvedInputItem> => {
      if (!storedOnes(item)) return item as ResolvedInputItem
      const id = (item as { id: string }).id
      const stored = (await fromStore(store.findItem(id, keyId))) as ResolvedInputItem | undefined
      if (stored) return stored
      if (!isReference(item)) return item as ResolvedInputItem
      throw invalidRequest(`Item with id '${id}' not found.`, `input[${i}].id`, 'item_not_found')
    }),
  )
  return { items, history }
}
