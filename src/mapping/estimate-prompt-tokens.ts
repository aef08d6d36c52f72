import type { AnthropicTool, ContentBlock, MessageParam } from '../anthropic/request-schema.ts'
import type { Turn } from './to-anthropic-turns.ts'

export type EstimateSettings = { charsPerToken: number; imageTokens: number }

type Tally = { chars: number; images: number }

const tallyBlock = (block: ContentBlock, tally: Tally) => {
  switch (block.type) {
    case 'text':
      tally.chars += block.text.length
      return
    case 'thinking':
      tally.chars += block.thinking.length
      return
    case 'tool_use':
      tally.chars += block.name.length + JSON.stringify(block.input).length
      return
    case 'tool_result':
      if (typeof block.content === 'string') tally.chars += block.content.length
      else for (const inner of block.content ?? []) tallyBlock(inner, tally)
      return
    // A document counts as one image: a documented floor, since its page count is unknown here.
    case 'image':
    case 'document':
      tally.images += 1
      return
    case 'redacted_thinking':
      return
    case 'server_tool_use':
    case 'web_search_tool_result':
      tally.chars += JSON.stringify(block).length
      return
    default: {
      const unreachable: never = block
      return unreachable
    }
  }
}

/** The old proxy's estimate: ceil(characters ÷ chars-per-token) + images × tokens-per-image. */
export const estimatePromptTokens = (
  { system, turns, tools }: { system: readonly string[]; turns: readonly Turn[]; tools: readonly AnthropicTool[] },
  settings: EstimateSettings,
): number => {
  const tally: Tally = { chars: 0, images: 0 }
  for (const text of system) tally.chars += text.length
  for (const turn of turns) for (const block of turn.content) tallyBlock(block, tally)
  for (const tool of tools) {
    // A server tool (web search) has a name and no schema; a tool without a name is a 400 (the caller catches it).
    tally.chars += tool.name.length + ('input_schema' in tool ? (tool.description?.length ?? 0) + JSON.stringify(tool.input_schema).length : 0)
  }
  return Math.ceil(tally.chars / settings.charsPerToken) + tally.images * settings.imageTokens
}

/** The parts the estimate reads, from a Messages body (validated, or a native one read as far as it goes). */
export const promptOfBody = (body: { system?: unknown; messages: readonly unknown[]; tools?: unknown }) => ({
  system:
    typeof body.system === 'string'
      ? [body.system]
      : Array.isArray(body.system)
        ? (body.system as ContentBlock[]).flatMap((block) => (block.type === 'text' ? [block.text] : []))
        : [],
  turns: (body.messages as MessageParam[]).map((message) => ({
    role: message.role,
    content: typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : (message.content ?? []),
  })),
  tools: (body.tools as AnthropicTool[] | undefined) ?? [],
})

/**
 * The most a request may use, reserved against a key's limits: (prompt estimate + max_tokens) per
 * choice. A native body the estimate cannot walk counts its max_tokens alone; the upstream will
 * answer it with its own 400.
 */
export const estimateRequestTokens = (
  body: { system?: unknown; messages: readonly unknown[]; tools?: unknown; max_tokens?: unknown },
  choices: number,
  settings: EstimateSettings,
): number => {
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 0
  let prompt = 0
  try {
    prompt = estimatePromptTokens(promptOfBody(body), settings)
  } catch {
    // counted as 0, see above
  }
  return (Number.isFinite(prompt) ? prompt + maxTokens : maxTokens) * choices
}
