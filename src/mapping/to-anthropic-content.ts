import type { ContentBlock, TextBlock } from '../anthropic/request-schema.ts'
import { invalidRequest, unsupported } from '../errors/openai-error.ts'
import type { ContentPart, MessageContent } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'

type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'
const IMAGE_TYPES: ReadonlySet<string> = new Set<ImageMediaType>(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[^,;]*)*?;base64,/i

type ParsedDataUrl = { mediaType: string; data: string }

const parseDataUrl = (url: string): ParsedDataUrl | undefined => {
  const match = DATA_URL.exec(url.slice(0, 256))
  if (!match?.[1]) return undefined
  return { mediaType: match[1].toLowerCase(), data: url.slice(match[0].length) }
}

const isHttpUrl = (url: string) => url.startsWith('https://') || url.startsWith('http://')

/** The gateway never fetches a URL (no SSRF): http(s) URLs go upstream as `url` sources. */
export const toImageOrDocument = (url: string, param: string): ContentBlock => {
  if (isHttpUrl(url)) return { type: 'image', source: { type: 'url', url } }
  const parsed = parseDataUrl(url)
  if (parsed && IMAGE_TYPES.has(parsed.mediaType)) {
    return { type: 'image', source: { type: 'base64', media_type: parsed.mediaType as ImageMediaType, data: parsed.data } }
  }
  if (parsed?.mediaType === 'application/pdf') {
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data } }
  }
  throw invalidRequest(
    parsed
      ? `image_url of type ${parsed.mediaType} is not supported; use png, jpeg, gif, webp or a PDF`
      : 'image_url must be an http(s) URL or a base64 data: URL',
    param,
  )
}

/** A file part (Chat Completions `file`, Responses `input_file`) → a document block. */
export type FileSource = { file_data?: string; file_id?: string | null; filename?: string }

export const toDocument = (file: FileSource, param: string): ContentBlock => {
  const title = file.filename === undefined ? {} : { title: file.filename }
  if (file.file_id != null && file.file_data === undefined) {
    throw unsupported("file_id refers to OpenAI's file store, which the upstream cannot read; send file_data", `${param}.file_id`)
  }
  const data = file.file_data ?? ''
  if (isHttpUrl(data)) return { type: 'document', source: { type: 'url', url: data }, ...title }
  const parsed = parseDataUrl(data)
  if (parsed?.mediaType === 'application/pdf') {
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data }, ...title }
  }
  if (parsed?.mediaType === 'text/plain') {
    const text = Buffer.from(parsed.data, 'base64').toString('utf8')
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title }
  }
  throw invalidRequest('file_data must be a base64 data: URL of a PDF or text/plain file, or an http(s) URL', `${param}.file_data`)
}

/** An image's `detail` has no upstream equivalent; `auto` is what the upstream does anyway. */
export const reportDetail = (detail: string | undefined, field: string, adjustments: Adjustments) => {
  if (detail !== undefined && detail !== 'auto') adjustments.add(field, 'ignored')
}

/** One OpenAI content part → at most one block; empty text becomes nothing (the API rejects it). */
export const toAnthropicBlock = (part: ContentPart, param: string, adjustments: Adjustments): ContentBlock | undefined => {
  const block = toBlock(part, param, adjustments)
  if (block && 'cache_control' in part && part.cache_control) (block as Extract<ContentBlock, { type: 'text' }>).cache_control = part.cache_control
  return block
}

const toBlock = (part: ContentPart, param: string, adjustments: Adjustments): ContentBlock | undefined => {
  switch (part.type) {
    case 'text':
      return part.text === '' ? undefined : { type: 'text', text: part.text }
    case 'refusal':
      return part.refusal === '' ? undefined : { type: 'text', text: part.refusal }
    case 'image_url':
      reportDetail(part.image_url.detail, 'image_url.detail', adjustments)
      return toImageOrDocument(part.image_url.url, `${param}.image_url`)
    case 'file':
      return toDocument(part.file, `${param}.file`)
    case 'input_audio':
      throw unsupported('input_audio is not supported: the upstream takes no audio', param)
    default: {
      const unreachable: never = part
      throw invalidRequest(`unknown content part ${JSON.stringify(unreachable)}`, param)
    }
  }
}

/** Message content → blocks, in order; `param` names the message (`messages[2]`). */
export const toAnthropicBlocks = (content: MessageContent | undefined, param: string, adjustments: Adjustments): ContentBlock[] => {
  if (content === undefined || content === null || content === '') return []
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  const blocks: ContentBlock[] = []
  for (let j = 0; j < content.length; j++) {
    const block = toAnthropicBlock(content[j] as ContentPart, `${param}.content[${j}]`, adjustments)
    if (block) blocks.push(block)
  }
  return blocks
}

/** System and developer messages take text only. */
export const toSystemBlocks = (content: MessageContent | undefined, param: string): TextBlock[] => {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  const blocks: TextBlock[] = []
  for (let j = 0; j < content.length; j++) {
    const part = content[j] as ContentPart
    if (part.type !== 'text') throw invalidRequest('system and developer messages take text parts only', `${param}.content[${j}]`)
    if (part.text === '') continue
    blocks.push(part.cache_control ? { type: 'text', text: part.text, cache_control: part.cache_control } : { type: 'text', text: part.text })
  }
  return blocks
}
