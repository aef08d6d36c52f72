// Plain TypeBox, not Elysia's `t` (see request-schema.ts). Field facts: the openai SDK's
// resources/responses/responses.d.ts (v7.57) and the request Codex CLI 0.171 sends.
import { type Static, Type as t } from '@sinclair/typebox'
import { REQUEST_LIMITS } from './request-schema.ts'

const nullable = <T extends Parameters<typeof t.Optional>[0]>(schema: T) => t.Optional(t.Union([schema, t.Null()]))
/** Items and parts carry fields the gateway does not read (`status`, `phase`, `annotations`…). */
const open = { additionalProperties: true } as const
const JsonObject = t.Record(t.String(), t.Unknown())

export const InputText = t.Object({ type: t.Literal('input_text'), text: t.String() }, open)
export const OutputText = t.Object({ type: t.Literal('output_text'), text: t.String() }, open)
export const Refusal = t.Object({ type: t.Literal('refusal'), refusal: t.String() }, open)
export const InputImage = t.Object(
  { type: t.Literal('input_image'), image_url: nullable(t.String()), file_id: nullable(t.String()), detail: t.Optional(t.String()) },
  open,
)
export const InputFile = t.Object(
  {
    type: t.Literal('input_file'),
    file_data: t.Optional(t.String()),
    file_id: nullable(t.String()),
    file_url: t.Optional(t.String()),
    filename: t.Optional(t.String()),
  },
  open,
)

export const InputPart = t.Union([InputText, OutputText, Refusal, InputImage, InputFile])
export type InputPart = Static<typeof InputPart>
const Parts = t.Array(InputPart, { maxItems: REQUEST_LIMITS.partsPerMessage })

export const MessageItem = t.Object(
  {
    type: t.Optional(t.Literal('message')),
    id: t.Optional(t.String()),
    role: t.Union([t.Literal('user'), t.Literal('assistant'), t.Literal('system'), t.Literal('developer')]),
    content: t.Union([t.String(), Parts]),
  },
  open,
)
export type MessageItem = Static<typeof MessageItem>

export const FunctionCallItem = t.Object(
  {
    type: t.Literal('function_call'),
    id: t.Optional(t.String()),
    call_id: t.String({ minLength: 1 }),
    name: t.String({ minLength: 1 }),
    namespace: t.Optional(t.String()),
    arguments: t.String(),
  },
  open,
)
export type FunctionCallItem = Static<typeof FunctionCallItem>

export const FunctionCallOutputItem = t.Object(
  { type: t.Literal('function_call_output'), id: nullable(t.String()), call_id: t.String({ minLength: 1 }), output: t.Union([t.String(), Parts]) },
  open,
)

export const CustomToolCallItem = t.Object(
  {
    type: t.Literal('custom_tool_call'),
    id: t.Optional(t.String()),
    call_id: t.String({ minLength: 1 }),
    name: t.String({ minLength: 1 }),
    namespace: t.Optional(t.String()),
    input: t.String(),
  },
  open,
)

export const CustomToolCallOutputItem = t.Object(
  { type: t.Literal('custom_tool_call_output'), id: t.Optional(t.String()), call_id: t.String({ minLength: 1 }), output: t.Union([t.String(), Parts]) },
  open,
)

export const ReasoningItem = t.Object(
  {
    type: t.Literal('reasoning'),
    id: t.Optional(t.String()),
    summary: t.Optional(t.Array(t.Object({ type: t.String(), text: t.String() }, open))),
    encrypted_content: nullable(t.String()),
  },
  open,
)

/**
 * `type` is optional in the SDK: `{id}` alone is a reference. Closed, so a message never matches
 * it. (The SDK also allows `type: null`; a plain literal keeps a wrong item type's 400 precise.)
 */
export const ItemReference = t.Object({ type: t.Optional(t.Literal('item_reference')), id: t.String({ minLength: 1 }) }, { additionalProperties: false })

/** Items of OpenAI's hosted tools and features: no upstream equivalent, dropped and reported. */
export const UNSUPPORTED_ITEM_TYPES = [
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'configuration_update',
  'compaction',
  'compaction_trigger',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'program',
  'program_output',
] as const
export const UnsupportedItem = t.Object({ type: t.Union(UNSUPPORTED_ITEM_TYPES.map((type) => t.Literal(type))) }, open)

export const InputItem = t.Union([
  MessageItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  CustomToolCallItem,
  CustomToolCallOutputItem,
  ReasoningItem,
  ItemReference,
  UnsupportedItem,
])
export type InputItem = Static<typeof InputItem>

/** An input item after the route has replaced every reference by the stored item it names. */
export type ResolvedInputItem = Exclude<InputItem, Static<typeof ItemReference>>

export const FunctionTool = t.Object(
  {
    type: t.Literal('function'),
    name: t.String({ minLength: 1, maxLength: 128 }),
    description: nullable(t.String()),
    parameters: nullable(JsonObject),
    strict: nullable(t.Boolean()),
  },
  open,
)
export type FunctionTool = Static<typeof FunctionTool>

export const CustomTool = t.Object(
  {
    type: t.Literal('custom'),
    name: t.String({ minLength: 1, maxLength: 128 }),
    description: t.Optional(t.String()),
    format: t.Optional(t.Object({ type: t.String(), syntax: t.Optional(t.String()), definition: t.Optional(t.String()) }, open)),
  },
  open,
)
export type CustomTool = Static<typeof CustomTool>

export const NamespaceTool = t.Object(
  {
    type: t.Literal('namespace'),
    name: t.String({ minLength: 1, maxLength: 128 }),
    description: t.Optional(t.String()),
    tools: t.Array(t.Union([FunctionTool, CustomTool]), { maxItems: REQUEST_LIMITS.tools }),
  },
  open,
)

export const WebSearchTool = t.Object(
  {
    type: t.Union([t.Literal('web_search'), t.Literal('web_search_2025_08_26'), t.Literal('web_search_preview'), t.Literal('web_search_preview_2025_03_11')]),
    external_web_access: t.Optional(t.Boolean()),
    filters: nullable(t.Object({ allowed_domains: nullable(t.Array(t.String())) }, open)),
    user_location: nullable(
      t.Object({ city: nullable(t.String()), country: nullable(t.String()), region: nullable(t.String()), timezone: nullable(t.String()) }, open),
    ),
  },
  open,
)
export type WebSearchTool = Static<typeof WebSearchTool>

/** Any other tool type: hosted tools today, and whatever OpenAI adds. Never a 400 (Codex sends them). */
export const OtherTool = t.Object({ type: t.String() }, open)

export const ResponsesTool = t.Union([FunctionTool, CustomTool, NamespaceTool, WebSearchTool, OtherTool])
export type ResponsesTool = Static<typeof ResponsesTool>

const HOSTED_TOOL_CHOICES = [
  'file_search',
  'web_search',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'computer',
  'computer_use',
  'computer_use_preview',
  'image_generation',
  'code_interpreter',
  'mcp',
  'apply_patch',
  'shell',
  'programmatic_tool_calling',
] as const

export const ResponsesToolChoice = t.Union([
  t.Literal('auto'),
  t.Literal('none'),
  t.Literal('required'),
  t.Object({ type: t.Literal('function'), name: t.String({ minLength: 1 }) }, open),
  t.Object({ type: t.Literal('custom'), name: t.String({ minLength: 1 }) }, open),
  t.Object(
    {
      type: t.Literal('allowed_tools'),
      mode: t.Union([t.Literal('auto'), t.Literal('required')]),
      tools: t.Array(t.Object({ type: t.String(), name: t.Optional(t.String()) }, open)),
    },
    open,
  ),
  /** Hosted tools (ToolChoiceTypes, ToolChoiceMcp, ToolChoiceShell…): forced where the upstream has one, else ignored. */
  t.Object({ type: t.Union(HOSTED_TOOL_CHOICES.map((type) => t.Literal(type))) }, open),
])
export type ResponsesToolChoice = Static<typeof ResponsesToolChoice>

export const TextFormat = t.Union([
  t.Object({ type: t.Literal('text') }, open),
  t.Object({ type: t.Literal('json_object') }, open),
  t.Object({ type: t.Literal('json_schema'), name: t.String(), description: t.Optional(t.String()), schema: JsonObject, strict: nullable(t.Boolean()) }, open),
])
export type TextFormat = Static<typeof TextFormat>

/** `max` is the SDK's name for the top effort (shared.d.ts ReasoningEffort). */
export const ResponsesReasoningEffort = t.Union((['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const).map((effort) => t.Literal(effort)))

export const Include = t.Union(
  [
    'file_search_call.results',
    'web_search_call.results',
    'web_search_call.action.sources',
    'message.input_image.image_url',
    'computer_call_output.output.image_url',
    'code_interpreter_call.outputs',
    'reasoning.encrypted_content',
    'message.output_text.logprobs',
  ].map((value) => t.Literal(value)),
)

/** Fields read for compatibility with no upstream effect; reported when set. */
export const IGNORED_RESPONSES_FIELDS = [
  'prompt_cache_key',
  'service_tier',
  'client_metadata',
  'top_logprobs',
  'max_tool_calls',
  'prompt_cache_retention',
] as const

const anyValue = t.Optional(t.Unknown())

/** The create request. Unknown top-level fields pass validation so that the mapping reports them. */
export const ResponsesRequest = t.Object(
  {
    model: t.Optional(t.String({ minLength: 1 })),
    input: t.Optional(t.Union([t.String(), t.Array(InputItem, { maxItems: REQUEST_LIMITS.messages })])),
    instructions: nullable(t.String()),
    max_output_tokens: nullable(t.Integer({ minimum: 1 })),
    temperature: nullable(t.Number({ minimum: 0, maximum: 2 })),
    top_p: nullable(t.Number({ minimum: 0, maximum: 1 })),
    stream: nullable(t.Boolean()),
    store: nullable(t.Boolean()),
    previous_response_id: nullable(t.String({ minLength: 1 })),
    include: nullable(t.Array(Include)),
    tools: t.Optional(t.Array(ResponsesTool, { maxItems: REQUEST_LIMITS.tools })),
    tool_choice: t.Optional(ResponsesToolChoice),
    parallel_tool_calls: nullable(t.Boolean()),
    text: t.Optional(t.Object({ format: t.Optional(TextFormat), verbosity: nullable(t.String()) }, open)),
    reasoning: nullable(t.Object({ effort: nullable(ResponsesReasoningEffort), summary: nullable(t.String()), generate_summary: nullable(t.String()) }, open)),
    metadata: nullable(t.Record(t.String(), t.String({ maxLength: 512 }), { maxProperties: 16 })),
    user: t.Optional(t.String()),
    safety_identifier: nullable(t.String()),
    truncation: nullable(t.Union([t.Literal('auto'), t.Literal('disabled')])),
    background: nullable(t.Boolean()),
    conversation: t.Optional(t.Unknown()),
    prompt: t.Optional(t.Unknown()),
    stream_options: t.Optional(t.Unknown()),
    ...(Object.fromEntries(IGNORED_RESPONSES_FIELDS.map((name) => [name, anyValue])) as {
      [K in (typeof IGNORED_RESPONSES_FIELDS)[number]]: typeof anyValue
    }),
  },
  { additionalProperties: true },
)
export type ResponsesRequest = Static<typeof ResponsesRequest>

export const KNOWN_RESPONSES_FIELDS: ReadonlySet<string> = new Set(Object.keys(ResponsesRequest.properties))
