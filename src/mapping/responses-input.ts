import type { ContentBlock, TextBlock } from '../anthropic/request-schema.ts'
import { invalidRequest, unsupported } from '../errors/openai-error.ts'
import type { InputPart, MessageItem, ResolvedInputItem } from '../openai/responses-request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import { fromEncryptedReasoning } from './reasoning-payload.ts'
import { toAnthropicToolName } from './responses-tool-names.ts'
import { reportDetail, toDocument, toImageOrDocument } from './to-anthropic-content.ts'
import { type PendingTurn, parseArguments } from './to-anthropic-turns.ts'
import { toAnthropicToolId } from './tool-ids.ts'

type ResultContent = Extract<ContentBlock, { type: 'text' | 'image' | 'document' }>

/** `%PDF-` in base64: the Agents SDK sends a PDF's bare base64 as `file_data`, without a data: URL. */
const BARE_PDF = 'JVBERi0'
const withPdfDataUrl = <T extends { file_data?: string }>(part: T): T =>
  part.file_data?.startsWith(BARE_PDF) ? { ...part, file_data: `data:application/pdf;base64,${part.file_data}` } : part

/** One input part → at most one block; empty text becomes nothing (the API rejects it). */
const toBlock = (part: InputPart, param: string, adjustments: Adjustments): ResultContent | undefined => {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text === '' ? undefined : { type: 'text', text: part.text }
    case 'refusal':
      return part.refusal === '' ? undefined : { type: 'text', text: part.refusal }
    case 'input_image':
      reportDetail(part.detail, 'input_image.detail', adjustments)
      if (part.image_url == null) {
        throw unsupported("file_id refers to OpenAI's file store, which the upstream cannot read; send image_url", `${param}.file_id`)
      }
      return toImageOrDocument(part.image_url, `${param}.image_url`) as ResultContent
    case 'input_file':
      if (part.file_data === undefined && part.file_url !== undefined) {
        if (!/^https?:\/\//.test(part.file_url)) throw invalidRequest('file_url must be an http(s) URL', `${param}.file_url`)
        return { type: 'document', source: { type: 'url', url: part.file_url }, ...(part.filename === undefined ? {} : { title: part.filename }) }
      }
      return toDocument(withPdfDataUrl(part), param) as ResultContent
    default: {
      const unreachable: never = part
      throw invalidRequest(`unknown content part ${JSON.stringify(unreachable)}`, param)
    }
  }
}

const toBlocks = (content: string | readonly InputPart[], param: string, adjustments: Adjustments): ResultContent[] => {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const blocks: ResultContent[] = []
  content.forEach((part, j) => {
    const block = toBlock(part, `${param}.content[${j}]`, adjustments)
    if (block) blocks.push(block)
  })
  return blocks
}

const toSystemBlocks = (item: MessageItem, param: string, adjustments: Adjustments): TextBlock[] =>
  toBlocks(item.content, param, adjustments).map((block, j) => {
    if (block.type !== 'text') throw invalidRequest('system and developer messages take text only', `${param}.content[${j}]`)
    return block
  })

/** A tool's output: a string stays a string; parts become text, image and document blocks. */
const toToolResult = (callId: string, output: string | readonly InputPart[], param: string, adjustments: Adjustments): ContentBlock => {
  const id = toAnthropicToolId(callId)
  if (typeof output === 'string') return output === '' ? { type: 'tool_result', tool_use_id: id } : { type: 'tool_result', tool_use_id: id, content: output }
  const content = toBlocks(output, `${param}.output`, adjustments)
  return content.length === 0 ? { type: 'tool_result', tool_use_id: id } : { type: 'tool_result', tool_use_id: id, content }
}

const toToolUse = (callId: string, name: string, input: Record<string, unknown>, adjustments: Adjustments): ContentBlock => {
  const id = toAnthropicToolId(callId)
  if (id !== callId) adjustments.add('call_id', 'rewritten')
  return { type: 'tool_use', id, name, input }
}

export type MappedInput = { system: TextBlock[]; pending: PendingTurn[] }

/**
 * Responses input items → system blocks and one pending turn per item, in order: calls are
 * assistant turns, outputs user turns, so consecutive calls join one assistant turn and their
 * results lead the next user turn once same-role neighbours merge (settleTurns).
 */
export const toPendingTurns = (items: readonly ResolvedInputItem[], adjustments: Adjustments): MappedInput => {
  const system: TextBlock[] = []
  const pending: PendingTurn[] = []
  items.forEach((item, i) => {
    const param = `input[${i}]`
    switch (item.type) {
      case undefined:
      case 'message':
        if (item.role === 'system' || item.role === 'developer') system.push(...toSystemBlocks(item, param, adjustments))
        else pending.push({ role: item.role, blocks: toBlocks(item.content, param, adjustments) })
        return
      case 'function_call': {
        const input = parseArguments(item.arguments, `${param}.arguments`)
        pending.push({ role: 'assistant', blocks: [toToolUse(item.call_id, toAnthropicToolName(item.name, item.namespace), input, adjustments)] })
        return
      }
      case 'custom_tool_call': {
        const name = toAnthropicToolName(item.name, item.namespace)
        pending.push({ role: 'assistant', blocks: [toToolUse(item.call_id, name, { input: item.input }, adjustments)] })
        return
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
        pending.push({ role: 'user', blocks: [toToolResult(item.call_id, item.output, param, adjustments)] })
        return
      case 'reasoning': {
        // Never an unsigned thinking block upstream: only a payload this gateway made carries one.
        const block = item.encrypted_content ? fromEncryptedReasoning(item.encrypted_content) : undefined
        if (block) pending.push({ role: 'assistant', blocks: [block] })
        else adjustments.add('reasoning', 'dropped')
        return
      }
      default:
        adjustments.add(`input.${item.type}`, 'dropped')
    }
  })
  return { system, pending }
}
