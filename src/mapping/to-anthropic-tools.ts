import type { AnthropicTool, ToolChoiceParam, ToolDefinition } from '../anthropic/request-schema.ts'
import type { ChatCompletionRequest, FunctionDefinition } from '../openai/request-schema.ts'
import type { Adjustments } from './adjustments.ts'
import type { ModelQuirks } from './model-quirks.ts'

export type AnthropicTools = { tools?: AnthropicTool[]; tool_choice?: ToolChoiceParam }

const EMPTY_SCHEMA = { type: 'object', properties: {} } as const

/** A function as both APIs describe one (Chat Completions nests it under `function`, Responses does not). */
export type FunctionShape = Pick<FunctionDefinition, 'name'> & {
  description?: string | null
  parameters?: Record<string, unknown> | null
  strict?: boolean | null
}

/** `name` is the one the upstream sees (a flattened namespace name may differ from the client's). */
export const toToolDefinition = (fn: FunctionShape, quirks: ModelQuirks, adjustments: Adjustments, name = fn.name): ToolDefinition => {
  const tool: ToolDefinition = { name, input_schema: fn.parameters ?? { ...EMPTY_SCHEMA } }
  if (fn.description != null) tool.description = fn.description
  if (fn.strict === true) {
    if (quirks.nativeStructuredOutput) tool.strict = true
    else adjustments.add('tools.function.strict', 'ignored')
  }
  return tool
}

/** parallel_tool_calls:false → disable_parallel_tool_use on the choice sent (the API takes none with `none`). */
export const withParallelRule = (choice: ToolChoiceParam, parallelToolCalls: boolean | null | undefined): ToolChoiceParam =>
  parallelToolCalls === false && choice.type !== 'none' ? { ...choice, disable_parallel_tool_use: true } : choice

const toToolChoice = (request: ChatCompletionRequest): ToolChoiceParam | undefined => {
  const choice = request.tool_choice ?? request.function_call
  if (choice === undefined || choice === null || choice === 'auto') return { type: 'auto' }
  if (choice === 'none') return { type: 'none' }
  if (choice === 'required') return { type: 'any' }
  return { type: 'tool', name: 'function' in choice ? choice.function.name : choice.name }
}

/**
 * A request that declares only legacy `functions` is answered in their shape: one
 * `message.function_call`, finish_reason `function_call`.
 */
export const usesLegacyFunctions = (request: ChatCompletionRequest) => (request.functions?.length ?? 0) > 0 && !request.tools?.length

/**
 * tools / functions / tool_choice / function_call / parallel_tool_calls. The JSON schema of each
 * function is kept whole: rebuilding it from a few known keys loses constraints.
 */
export const toAnthropicTools = (
  request: ChatCompletionRequest,
  quirks: ModelQuirks,
  adjustments: Adjustments,
): { tools?: ToolDefinition[]; tool_choice?: ToolChoiceParam } => {
  const definitions = [...(request.tools ?? []).map((tool) => tool.function), ...(request.functions ?? [])]
  if (definitions.length === 0) {
    if (request.tool_choice != null || request.function_call != null) adjustments.add('tool_choice', 'ignored')
    if (request.parallel_tool_calls != null) adjustments.add('parallel_tool_calls', 'ignored')
    // Tool blocks in history need no `tools` since the API release of 2025-02-27 (test/fixtures/FACTS.md §2).
    return {}
  }
  const tools = definitions.map((fn) => toToolDefinition(fn, quirks, adjustments))
  // The legacy shape holds one call, so the model is held to one.
  const parallel = usesLegacyFunctions(request) ? false : request.parallel_tool_calls
  return { tools, tool_choice: withParallelRule(toToolChoice(request) as ToolChoiceParam, parallel) }
}
