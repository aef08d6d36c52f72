import type { ContentBlock, MessagesRequest } from '../anthropic/request-schema.ts'

export type CacheUsage = { input_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number }

/** Entries kept per mock; enough for any test, bounded for the demo and the soak. */
const MAX_ENTRIES = 10_000

const tokensOf = (chars: number) => Math.ceil(chars / 4)

/** Prompt blocks in the API's order (tools, system, messages), each without its cache_control. */
const promptBlocks = (request: MessagesRequest) => {
  const blocks: { text: string; marked: boolean }[] = []
  const add = (block: object) => {
    const { cache_control, ...rest } = block as { cache_control?: unknown }
    blocks.push({ text: JSON.stringify(rest), marked: cache_control !== undefined })
  }
  for (const tool of request.tools ?? []) add(tool)
  for (const block of typeof request.system === 'string' ? [{ type: 'text', text: request.system }] : (request.system ?? [])) add(block)
  for (const message of request.messages) {
    const content: ContentBlock[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content
    for (const block of content) add({ role: message.role, ...block })
  }
  return blocks
}

/**
 * Anthropic's prompt cache as a client can see it, per upstream key: a request with breakpoints
 * (block `cache_control`, or the top-level one at its last block) writes the prefix up to its last
 * breakpoint, and reads the longest prefix up to there that an earlier request wrote. Only prefixes
 * that end at a breakpoint are written, as with the real cache.
 */
export const createMockPromptCache = () => {
  const written = new Set<string>()
  return (request: MessagesRequest, key: string): CacheUsage | undefined => {
    const blocks = promptBlocks(request)
    const last = request.cache_control ? blocks.length - 1 : blocks.findLastIndex((block) => block.marked)
    if (last < 0) return undefined
    let prefix = key
    let chars = 0
    let readChars = 0
    const breakpoints: string[] = []
    blocks.forEach((block, i) => {
      prefix = String(Bun.hash(`${prefix}\u0000${block.text}`))
      chars += block.text.length
      if (i > last) return
      if (written.has(prefix)) readChars = chars
      if (block.marked || i === last) breakpoints.push(prefix)
    })
    const upToLast = blocks.slice(0, last + 1).reduce((total, block) => total + block.text.length, 0)
    if (written.size > MAX_ENTRIES) written.clear()
    for (const hash of breakpoints) written.add(hash)
    const read = tokensOf(readChars)
    const write = tokensOf(upToLast) - read
    return { input_tokens: tokensOf(chars) - read - write, cache_read_input_tokens: read, cache_creation_input_tokens: write }
  }
}
