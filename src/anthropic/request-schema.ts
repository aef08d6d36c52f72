// Plain TypeBox: Elysia's `t.Integer` also accepts numeric strings (see openai/request-schema.ts).
import { type Static, Type as t } from '@sinclair/typebox'

/** The Messages API request, as this gateway sends it (and as the mock upstream checks it). */
const strict = { additionalProperties: false } as const

export const CacheControlParam = t.Object({ type: t.Literal('ephemeral'), ttl: t.Optional(t.Union([t.Literal('5m'), t.Literal('1h')])) }, strict)
export type CacheControlParam = Static<typeof CacheControlParam>
const CacheControl = t.Optional(CacheControlParam)

export const TextBlock = t.Object({ type: t.Literal('text'), text: t.String({ minLength: 1 }), cache_control: CacheControl }, strict)
export type TextBlock = Static<typeof TextBlock>

export const ImageSource = t.Union([
  t.Object(
    {
      type: t.Literal('base64'),
      media_type: t.Union([t.Literal('image/png'), t.Literal('image/jpeg'), t.Literal('image/gif'), t.Literal('image/webp')]),
      data: t.String({ minLength: 1 }),
    },
    strict,
  ),
  t.Object({ type: t.Literal('url'), url: t.String({ minLength: 1 }) }, strict),
])
export const ImageBlock = t.Object({ type: t.Literal('image'), source: ImageSource, cache_control: CacheControl }, strict)

export const DocumentSource = t.Union([
  t.Object({ type: t.Literal('base64'), media_type: t.Literal('application/pdf'), data: t.String({ minLength: 1 }) }, strict),
  t.Object({ type: t.Literal('text'), media_type: t.Literal('text/plain'), data: t.String() }, strict),
  t.Object({ type: t.Literal('url'), url: t.String({ minLength: 1 }) }, strict),
])
export const DocumentBlock = t.Object(
  { type: t.Literal('document'), source: DocumentSource, title: t.Optional(t.String()), cache_control: CacheControl },
  strict,
)

export const ToolUseBlock = t.Object(
  {
    type: t.Literal('tool_use'),
    id: t.String({ pattern: '^[a-zA-Z0-9_-]+$' }),
    name: t.String({ minLength: 1 }),
    input: t.Record(t.String(), t.Unknown()),
  },
  strict,
)

export const ToolResultBlock = t.Object(
  {
    type: t.Literal('tool_result'),
    tool_use_id: t.String({ pattern: '^[a-zA-Z0-9_-]+$' }),
    content: t.Optional(t.Union([t.String(), t.Array(t.Union([TextBlock, ImageBlock, DocumentBlock]))])),
    is_error: t.Optional(t.Boolean()),
    cache_control: CacheControl,
  },
  strict,
)

export const ThinkingBlock = t.Object({ type: t.Literal('thinking'), thinking: t.String(), signature: t.String() }, strict)
export const RedactedThinkingBlock = t.Object({ type: t.Literal('redacted_thinking'), data: t.String() }, strict)

/**
 * A server tool's call and result (web search) in an assistant turn: sent back as the API gave them,
 * so a continued conversation keeps its searches. Loose: the API adds fields to these.
 */
export const ServerToolBlock = t.Object({ type: t.Union([t.Literal('server_tool_use'), t.Literal('web_search_tool_result')]) }, { additionalProperties: true })

export const ContentBlock = t.Union([
  TextBlock,
  ImageBlock,
  DocumentBlock,
  ToolUseBlock,
  ToolResultBlock,
  ThinkingBlock,
  RedactedThinkingBlock,
  ServerToolBlock,
])
export type ContentBlock = Static<typeof ContentBlock>

export const MessageParam = t.Object(
  {
    role: t.Union([t.Literal('user'), t.Literal('assistant')]),
    content: t.Union([t.String({ minLength: 1 }), t.Array(ContentBlock, { minItems: 1 })]),
  },
  strict,
)
export type MessageParam = Static<typeof MessageParam>

export const ToolDefinition = t.Object(
  {
    name: t.String({ pattern: '^[a-zA-Z0-9_-]{1,128}$' }),
    description: t.Optional(t.String()),
    input_schema: t.Record(t.String(), t.Unknown()),
    strict: t.Optional(t.Boolean()),
    cache_control: CacheControl,
  },
  strict,
)
export type ToolDefinition = Static<typeof ToolDefinition>

/** The API's server-side web search (it runs the searches; results come back as content blocks). */
export const WebSearchServerTool = t.Object(
  {
    type: t.Literal('web_search_20250305'),
    name: t.Literal('web_search'),
    /** Results only from `allowed_domains` (@anthropic-ai/sdk WebSearchTool20250305). */
    strict: t.Optional(t.Boolean()),
    allowed_domains: t.Optional(t.Array(t.String())),
    cache_control: CacheControl,
    user_location: t.Optional(
      t.Object(
        {
          type: t.Literal('approximate'),
          city: t.Optional(t.String()),
          country: t.Optional(t.String()),
          region: t.Optional(t.String()),
          timezone: t.Optional(t.String()),
        },
        strict,
      ),
    ),
  },
  strict,
)
export type WebSearchServerTool = Static<typeof WebSearchServerTool>

export const AnthropicTool = t.Union([ToolDefinition, WebSearchServerTool])
export type AnthropicTool = Static<typeof AnthropicTool>

export const ToolChoiceParam = t.Union([
  t.Object({ type: t.Literal('auto'), disable_parallel_tool_use: t.Optional(t.Boolean()) }, strict),
  t.Object({ type: t.Literal('any'), disable_parallel_tool_use: t.Optional(t.Boolean()) }, strict),
  t.Object({ type: t.Literal('none') }, strict),
  t.Object({ type: t.Literal('tool'), name: t.String(), disable_parallel_tool_use: t.Optional(t.Boolean()) }, strict),
])
export type ToolChoiceParam = Static<typeof ToolChoiceParam>

export const ThinkingParam = t.Union([
  t.Object({ type: t.Literal('enabled'), budget_tokens: t.Integer({ minimum: 1024 }) }, { additionalProperties: true }),
  t.Object({ type: t.Literal('adaptive'), display: t.Optional(t.Union([t.Literal('summarized'), t.Literal('omitted')])) }, { additionalProperties: true }),
  t.Object({ type: t.Literal('disabled') }, strict),
])
export type ThinkingParam = Static<typeof ThinkingParam>

export const OutputConfig = t.Object(
  {
    effort: t.Optional(t.String()),
    format: t.Optional(t.Object({ type: t.Literal('json_schema'), schema: t.Record(t.String(), t.Unknown()) }, strict)),
  },
  strict,
)
export type OutputConfig = Static<typeof OutputConfig>

export const MessagesRequest = t.Object(
  {
    model: t.String({ minLength: 1 }),
    max_tokens: t.Integer({ minimum: 1 }),
    messages: t.Array(MessageParam, { minItems: 1 }),
    system: t.Optional(t.Union([t.String(), t.Array(TextBlock)])),
    temperature: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
    top_p: t.Optional(t.Number({ minimum: 0, maximum: 1 })),
    top_k: t.Optional(t.Integer({ minimum: 0 })),
    stop_sequences: t.Optional(t.Array(t.String())),
    stream: t.Optional(t.Boolean()),
    metadata: t.Optional(t.Object({ user_id: t.Optional(t.String({ maxLength: 256 })) }, strict)),
    tools: t.Optional(t.Array(AnthropicTool)),
    tool_choice: t.Optional(ToolChoiceParam),
    thinking: t.Optional(ThinkingParam),
    output_config: t.Optional(OutputConfig),
    /** Automatic caching: one breakpoint the API moves to the last cacheable block. */
    cache_control: CacheControl,
  },
  strict,
)
export type MessagesRequest = Static<typeof MessagesRequest>
