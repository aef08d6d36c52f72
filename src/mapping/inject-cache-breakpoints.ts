import type { CacheControlParam, ContentBlock, MessageParam, MessagesRequest, TextBlock } from '../anthropic/request-schema.ts'
import type { CacheMode } from '../config/upstreams-config.ts'
import { findModelQuirks, type ModelQuirksOverride } from './model-quirks.ts'

export type CacheTtl = '5m' | '1h'

/** The API takes at most this many cache breakpoints in one request, the top-level one included. */
export const MAX_BREAKPOINTS = 4

export type CachedBody = { body: MessagesRequest; adjustments: string[] }

type Marked = { cache_control?: CacheControlParam }

/** Where a breakpoint sits in the prompt's order (tools, then system, then messages), and its TTL. */
type Breakpoint = { at: number; ttl: CacheTtl }

const blocksOf = (message: MessageParam): ContentBlock[] => (typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content)

/** The client's own breakpoints, in prompt order (tool_result contents counted, as the API counts them). */
const clientBreakpoints = (body: MessagesRequest): Breakpoint[] => {
  const found: Breakpoint[] = []
  let at = 0
  const visit = (block: object) => {
    const mark = (block as Marked).cache_control
    if (mark) found.push({ at, ttl: mark.ttl ?? '5m' })
    at++
  }
  for (const tool of body.tools ?? []) visit(tool)
  if (Array.isArray(body.system)) for (const block of body.system) visit(block)
  else if (body.system) at++
  for (const message of body.messages) {
    for (const block of blocksOf(message)) {
      if (block.type === 'tool_result' && Array.isArray(block.content))
        for (const inner of block.content) if (inner.cache_control) found.push({ at, ttl: inner.cache_control.ttl ?? '5m' })
      visit(block)
    }
  }
  return found
}

/**
 * The TTL for a breakpoint added at `at`: a longer TTL may not follow a shorter one, so one added
 * before a client's 1h entry is 1h, one added after a client's 5m entry is 5m; else the setting.
 */
const ttlAt = (at: number, client: readonly Breakpoint[], ttl: CacheTtl): CacheControlParam => {
  const chosen = client.some((b) => b.at > at && b.ttl === '1h') ? '1h' : client.some((b) => b.at < at && b.ttl === '5m') ? '5m' : ttl
  return chosen === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' }
}

const systemBlocks = (system: MessagesRequest['system']): TextBlock[] => (typeof system === 'string' ? [{ type: 'text', text: system }] : (system ?? []))

/**
 * Automatic prompt caching for one upstream's cache mode (pure; the body is not changed in place).
 * `top-level`: Anthropic's automatic `cache_control` on the request. `breakpoints`: `cache_control`
 * on the last tool, the last system block and the last block of the last user turn, where the
 * client put none, while the client's own plus the added stay at most MAX_BREAKPOINTS. Each
 * addition is a `field:added` adjustment.
 */
export const withPromptCache = (body: MessagesRequest, mode: CacheMode, ttl: CacheTtl): CachedBody => {
  const client = clientBreakpoints(body)
  let room = MAX_BREAKPOINTS - client.length
  if (mode === 'off' || room <= 0 || body.cache_control) return { body, adjustments: [] }
  const tools = body.tools ?? []
  const system = systemBlocks(body.system)
  if (mode === 'top-level') return { body: { ...body, cache_control: ttlAt(Number.MAX_SAFE_INTEGER, client, ttl) }, adjustments: ['cache_control:added'] }

  const adjustments: string[] = []
  const next: MessagesRequest = { ...body }
  const lastTool = tools.at(-1)
  if (lastTool && !lastTool.cache_control && room > 0) {
    next.tools = [...tools.slice(0, -1), { ...lastTool, cache_control: ttlAt(tools.length - 1, client, ttl) }]
    adjustments.push('tools.cache_control:added')
    room--
  }
  const lastSystem = system.at(-1)
  if (lastSystem && !lastSystem.cache_control && room > 0) {
    next.system = [...system.slice(0, -1), { ...lastSystem, cache_control: ttlAt(tools.length + system.length - 1, client, ttl) }]
    adjustments.push('system.cache_control:added')
    room--
  }
  const userIndex = body.messages.findLastIndex((message) => message.role === 'user')
  const user = body.messages[userIndex]
  const blocks = user ? blocksOf(user) : []
  const lastBlock = blocks.at(-1)
  if (lastBlock && !(lastBlock as Marked).cache_control && lastBlock.type !== 'thinking' && lastBlock.type !== 'redacted_thinking' && room > 0) {
    let at = tools.length + system.length
    for (let i = 0; i < userIndex; i++) at += blocksOf(body.messages[i] as MessageParam).length
    const marked = { ...lastBlock, cache_control: ttlAt(at + blocks.length - 1, client, ttl) } as ContentBlock
    next.messages = body.messages.with(userIndex, { role: 'user', content: [...blocks.slice(0, -1), marked] })
    adjustments.push('messages.cache_control:added')
  }
  return { body: next, adjustments }
}

export type PromptCacheSettings = {
  promptCache: 'auto' | 'off'
  promptCacheTtl: CacheTtl
  tokenEstCharsPerToken: number
  modelQuirks: ReadonlyMap<string, ModelQuirksOverride>
}

/**
 * The upstream body of one request for each cache mode it meets, serialised once per mode (the
 * top-level one is the plain text with one field spliced in). A prompt the model would not cache
 * (estimated from the plain text's length) gets no breakpoint.
 */
export const promptCacheBodies = (body: MessagesRequest, settings: PromptCacheSettings) => {
  const plain = JSON.stringify(body)
  const tooShort = Math.ceil(plain.length / settings.tokenEstCharsPerToken) < findModelQuirks(body.model, settings.modelQuirks).minCacheTokens
  const byMode = new Map<CacheMode, { text: string; adjustments: readonly string[] }>()
  const none = { text: plain, adjustments: [] }
  return (mode: CacheMode) => {
    if (settings.promptCache === 'off' || tooShort || mode === 'off') return none
    let made = byMode.get(mode)
    if (!made) {
      const cached = withPromptCache(body, mode, settings.promptCacheTtl)
      const text =
        cached.body === body
          ? plain
          : mode === 'top-level'
            ? `${plain.slice(0, -1)},"cache_control":${JSON.stringify(cached.body.cache_control)}}`
            : JSON.stringify(cached.body)
      made = { text, adjustments: cached.adjustments }
      byMode.set(mode, made)
    }
    return made
  }
}
