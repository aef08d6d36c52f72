import type { ContentBlock, TextBlock } from '../anthropic/request-schema.ts'
import { invalidRequest } from '../errors/openai-error.ts'
import { parseJsonField } from '../http/parse-json-field.ts'
import { type ChatMessage, KNOWN_MESSAGE_FIELDS, type ToolCall } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import { toAnthropicBlocks, toSystemBlocks } from './to-anthropic-content.ts'
import { toAnthropicToolId } from './tool-ids.ts'

export type Turn = { role: 'user' | 'assistant'; content: ContentBlock[] }
export type Turns = { system: TextBlock[]; turns: Turn[] }

export const UNANSWERED_TOOL_RESULT = 'No result was provided for this tool call.'

/** A JSON object sent as a string (`function.arguments`); the body's depth limit applies inside it too. */
export const parseArguments = (text: string, param: string): Record<string, unknown> => {
  if (text.trim() === '') return {}
  const input = parseJsonField(text, param)
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidRequest(`${param} must be a JSON object`, param)
  }
  return input as Record<string, unknown>
}

/** `argumentsParam` names the call's arguments string, for the 400 when they are not a JSON object. */
const toToolUse = (call: ToolCall, argumentsParam: string): ContentBlock => ({
  type: 'tool_use',
  id: toAnthropicToolId(call.id),
  name: call.function.name,
  input: parseArguments(call.function.arguments, argumentsParam),
})

/** thinking first, then text, then tool_use: the order the API requires of an assistant turn. */
const ASSISTANT_ORDER: Record<string, number> = { thinking: 0, redacted_thinking: 0, tool_use: 2 }
/** tool_result blocks lead a user turn; text before them is an API 400. */
const USER_ORDER: Record<string, number> = { tool_result: 0 }

const orderBlocks = (turn: Turn) => {
  const rank = turn.role === 'assistant' ? ASSISTANT_ORDER : USER_ORDER
  const fallback = 1
  turn.content.sort((a, b) => (rank[a.type] ?? fallback) - (rank[b.type] ?? fallback))
}

/** One message's blocks, before same-role neighbours merge. */
export type PendingTurn = { role: Turn['role']; blocks: ContentBlock[] }

/**
 * Pass 1 of the request mapping: system messages hoisted, every other message turned into blocks
 * of a user or assistant turn, consecutive same-role turns merged in order, blocks ordered as the
 * API requires, and every tool call answered.
 */
export const toAnthropicTurns = (messages: readonly ChatMessage[], adjustments: Adjustments): Turns => {
  const system: TextBlock[] = []
  const pending: PendingTurn[] = []
  /** tool_use id → index of the assistant message that made the call. */
  const calls = new Map<string, number>()
  /** Legacy function_call names not yet answered by a `function` message, newest last. */
  const legacyCalls: { name: string; id: string }[] = []

  messages.forEach((message, i) => {
    const param = `messages[${i}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...toSystemBlocks(message.content, param))
        return
      case 'user':
        pending.push({ role: 'user', blocks: toAnthropicBlocks(message.content, param, adjustments) })
        break
      case 'assistant': {
        const blocks: ContentBlock[] = []
        for (const block of message.thinking_blocks ?? []) blocks.push(block)
        blocks.push(...toAnthropicBlocks(message.content, param, adjustments))
        if (message.refusal) blocks.push({ type: 'text', text: message.refusal })
        message.tool_calls?.forEach((call, j) => {
          const block = toToolUse(call, `${param}.tool_calls[${j}].function.arguments`)
          if (block.type === 'tool_use') calls.set(block.id, i)
          if (block.type === 'tool_use' && block.id !== call.id) adjustments.add('tool_calls.id', 'rewritten')
          blocks.push(block)
        })
        if (message.function_call) {
          const id = `call_legacy_${i}`
          legacyCalls.push({ name: message.function_call.name, id })
          calls.set(id, i)
          blocks.push(toToolUse({ id, type: 'function', function: message.function_call }, `${param}.function_call.arguments`))
        }
        pending.push({ role: 'assistant', blocks })
        break
      }
      case 'tool': {
        if (message.tool_call_id === undefined) throw invalidRequest('a tool message needs tool_call_id', `${param}.tool_call_id`)
        const id = toAnthropicToolId(message.tool_call_id)
        if (!calls.has(id)) {
          throw invalidRequest(`tool_call_id ${JSON.stringify(message.tool_call_id)} answers no earlier tool call`, `${param}.tool_call_id`)
        }
        pending.push({ role: 'user', blocks: [toToolResult(id, message, param, adjustments)] })
        break
      }
      case 'function': {
        const at = legacyCalls.findLastIndex((call) => call.name === message.name)
        const call = legacyCalls[at]
        if (!call) throw invalidRequest('a function message must answer an earlier function_call of that name', `${param}.name`)
        legacyCalls.splice(at, 1)
        pending.push({ role: 'user', blocks: [toToolResult(call.id, message, param, adjustments)] })
        break
      }
      default: {
        const unreachable: never = message.role
        throw invalidRequest(`unknown role ${String(unreachable)}`, `${param}.role`)
      }
    }
    if (message.name !== undefined && message.role !== 'function') adjustments.add('messages.name', 'ignored')
    reportUnknownFields(message, adjustments)
  })

  return { system, turns: settleTurns(pending, adjustments, 'messages') }
}

/**
 * Pending turns → the turns the API takes: same-role neighbours merged, every tool call answered,
 * blocks ordered. `param` names the client's list in the error for a stray result.
 */
export const settleTurns = (pending: readonly PendingTurn[], adjustments: Adjustments, param: string): Turn[] => {
  const turns = mergeTurns(pending)
  answerToolCalls(turns, adjustments, param)
  for (const turn of turns) orderBlocks(turn)
  return turns
}

/** Fields a message carries that nothing here reads (`annotations`, `audio`…): reported when they hold anything. */
const reportUnknownFields = (message: ChatMessage, adjustments: Adjustments) => {
  for (const [field, value] of Object.entries(message)) {
    if (KNOWN_MESSAGE_FIELDS.has(field) || value == null || (Array.isArray(value) && value.length === 0)) continue
    adjustments.add(`messages.${field}`, 'ignored')
  }
}

const toToolResult = (id: string, message: ChatMessage, param: string, adjustments: Adjustments): ContentBlock => {
  const content = toAnthropicBlocks(message.content, param, adjustments).filter(
    (block): block is Extract<ContentBlock, { type: 'text' | 'image' | 'document' }> =>
      block.type === 'text' || block.type === 'image' || block.type === 'document',
  )
  const onlyText = typeof message.content === 'string'
  if (content.length === 0) return { type: 'tool_result', tool_use_id: id }
  if (onlyText) return { type: 'tool_result', tool_use_id: id, content: message.content as string }
  return { type: 'tool_result', tool_use_id: id, content }
}

/** Empty turns vanish and their neighbours merge, so roles always alternate. */
const mergeTurns = (pending: readonly PendingTurn[]): Turn[] => {
  const turns: Turn[] = []
  for (const { role, blocks } of pending) {
    if (blocks.length === 0) continue
    const last = turns.at(-1)
    if (last?.role === role) last.content.push(...blocks)
    else turns.push({ role, content: [...blocks] })
  }
  return turns
}

/**
 * Every tool_use must be answered by a tool_result at the head of the next user turn, or the API
 * answers 400. A call the client left unanswered gets an error result instead (reported); a result
 * that answers a call of an older assistant turn is a client error.
 */
const answerToolCalls = (turns: Turn[], adjustments: Adjustments, param: string) => {
  let called: ReadonlySet<string> = new Set()
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t] as Turn
    if (turn.role === 'user') {
      const stray = turn.content.find((b) => b.type === 'tool_result' && !called.has(b.tool_use_id))
      if (stray) throw invalidRequest('a tool result must directly follow the assistant turn that made the call', param)
      called = new Set()
      continue
    }
    called = new Set(turn.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])))
    const next = turns[t + 1]
    const answered = new Set(next?.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])))
    const missing = [...called].filter((id) => !answered.has(id))
    if (missing.length === 0) continue
    const results: ContentBlock[] = missing.map((id) => ({
      type: 'tool_result',
      tool_use_id: id,
      is_error: true,
      content: UNANSWERED_TOOL_RESULT,
    }))
    if (next) next.content.unshift(...results)
    else turns.splice(t + 1, 0, { role: 'user', content: results })
    adjustments.add('tool_result', 'added')
  }
}
